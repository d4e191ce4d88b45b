import FoundationEssentials

/// Start times as operators write them: an ISO 8601 time (`2026-11-30T15:55:00Z`,
/// `2026-11-30T15:55+01:00`, or without an offset in the given zone), or `HH:MM[:SS]` today in
/// the given zone. "Today" is the database's day in that zone, not this host's.
public enum TimeText {
    public static func parse(_ text: String, clock: ZonedClock, now: Date) throws -> Date {
        let trimmed = text.trimmed
        if let (hour, minute, second) = timeOfDay(Substring(trimmed)) {
            return clock.instant(clock.day(of: now), hour: hour, minute: minute, second: second)
        }
        let bytes = Array(trimmed)
        guard bytes.count >= 16, bytes[4] == "-", bytes[7] == "-", bytes[10] == "T" || bytes[10] == " ",
              let year = Int64(String(bytes[0..<4])), let month = Int64(String(bytes[5..<7])), let day = Int64(String(bytes[8..<10])),
              (1...12).contains(month), (1...31).contains(day)
        else { throw invalid(text) }
        var rest = Substring(String(bytes[11...]))
        var offset: Int?
        if rest.hasSuffix("Z") || rest.hasSuffix("z") {
            offset = 0
            rest = rest.dropLast()
        } else if let sign = rest.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let zone = rest[rest.index(after: sign)...].filter { $0 != ":" }
            guard zone.count == 4 || zone.count == 2, let hours = Int(zone.prefix(2)), let minutes = Int(zone.dropFirst(2).isEmpty ? "0" : String(zone.dropFirst(2))) else {
                throw invalid(text)
            }
            offset = (rest[sign] == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
            rest = rest[..<sign]
        }
        guard let (hour, minute, second) = timeOfDay(rest) else { throw invalid(text) }
        let civilDay = ZonedClock.Day(number: PostgresTime.days(fromCivil: year, month, day))
        let check = civilDay.civil
        guard check.year == year, check.month == month, check.day == day else { throw invalid(text) }
        if let offset {
            return Date(seconds: civilDay.number * 86_400 + Int64(hour * 3600 + minute * 60 + second - offset))
        }
        return clock.instant(civilDay, hour: hour, minute: minute, second: second)
    }

    /// `HH:MM` or `HH:MM:SS` (fractions of a second are dropped).
    static func timeOfDay(_ text: Substring) -> (Int, Int, Int)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, parts[0].count == 2, parts[1].count == 2,
              let hour = Int(parts[0]), let minute = Int(parts[1]), (0...23).contains(hour), (0...59).contains(minute)
        else { return nil }
        var second = 0
        if parts.count == 3 {
            guard let whole = parts[2].split(separator: ".").first, whole.count == 2, let value = Int(whole), (0...59).contains(value) else { return nil }
            second = value
        }
        return (hour, minute, second)
    }

    private static func invalid(_ text: String) -> ScheduleError {
        ScheduleError("\"\(text)\" is not a time: write HH:MM (today), or an ISO 8601 time such as 2026-11-30T15:55, 2026-11-30T15:55:00Z or 2026-11-30T15:55+01:00.")
    }
}
