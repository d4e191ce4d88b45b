import FoundationEssentials

/// Wall-clock times in a time zone, resolved to instants the way cron does across daylight
/// saving: a time that does not exist (the hour skipped in spring) runs at the first valid
/// instant after it, the end of the gap; a time that happens twice (the hour repeated in
/// autumn) runs at its first occurrence only.
///
/// Written on the zone's offset at an instant alone (`ZoneRules`, the tz database), with days
/// counted as in `PostgresTime`: Calendar's own resolution of skipped and repeated times is not
/// specified, and differs between platforms.
public struct ZonedClock: Sendable, Equatable {
    public let rules: ZoneRules

    /// The zone's IANA name.
    public var identifier: String { rules.identifier }

    /// The zone named `identifier` (`Europe/London`, `America/New_York`, `UTC`).
    public init(identifier: String) throws {
        guard let rules = ZoneRules(identifier: identifier) else {
            throw ScheduleError("\"\(identifier)\" is not a time zone: use an IANA name such as UTC, Europe/London or America/New_York.")
        }
        self.rules = rules
    }

    /// This machine's zone (`ZoneRules.localIdentifier`).
    public static var local: ZonedClock {
        (try? ZonedClock(identifier: ZoneRules.localIdentifier)) ?? (try! ZonedClock(identifier: "UTC"))
    }

    /// Seconds to add to UTC for the local time at `instant`.
    public func secondsFromUTC(at instant: Date) -> Int {
        rules.secondsFromUTC(at: Int64(instant.timeIntervalSince1970.rounded(.down)))
    }

    /// A local calendar day: days since 1970-01-01.
    public struct Day: Hashable, Comparable, Sendable {
        public var number: Int64
        public var civil: (year: Int64, month: Int64, day: Int64) { PostgresTime.civil(fromDays: number) }
        /// 0 = Sunday ... 6 = Saturday (1970-01-01 was a Thursday).
        public var weekday: Int { Int(((number + 4) % 7 + 7) % 7) }
        public static func < (lhs: Day, rhs: Day) -> Bool { lhs.number < rhs.number }
    }

    /// The local day `instant` falls on.
    public func day(of instant: Date) -> Day {
        let local = Int64(instant.timeIntervalSince1970.rounded(.down)) + Int64(secondsFromUTC(at: instant))
        return Day(number: local.floorDiv(86_400))
    }

    /// The instant of `hour:minute` on `day`, resolved as the type describes.
    public func instant(_ day: Day, hour: Int, minute: Int, second: Int = 0) -> Date {
        let naive = day.number * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        let before = Int64(secondsFromUTC(at: Date(seconds: naive - 86_400)))
        let after = Int64(secondsFromUTC(at: Date(seconds: naive + 86_400)))
        let valid = [naive - before, naive - after].filter { Int64(secondsFromUTC(at: Date(seconds: $0))) == naive - $0 }
        if let first = valid.min() { return Date(seconds: first) }
        // In a gap: the offset changes between naive - after and naive - before. Find the change.
        var low = min(naive - after, naive - before), high = max(naive - after, naive - before)
        let lowOffset = secondsFromUTC(at: Date(seconds: low))
        while high - low > 1 {
            let middle = (low + high) / 2
            if secondsFromUTC(at: Date(seconds: middle)) == lowOffset { low = middle } else { high = middle }
        }
        return Date(seconds: high)
    }
}

extension Date {
    init(seconds: Int64) { self.init(timeIntervalSince1970: TimeInterval(seconds)) }
}
