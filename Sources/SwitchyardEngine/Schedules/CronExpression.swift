import FoundationEssentials

/// A five-field cron expression, `M H DOM MON DOW`: numbers, ranges (`1-5`), steps (`*/15`,
/// `0-30/10`), lists (`1,15`), `*`, and the names `JAN`-`DEC` and `SUN`-`SAT`. Day of week 0 and
/// 7 are both Sunday. As in Vixie cron, when both day of month and day of week are restricted a
/// day matching either runs.
///
/// Written here because no package available to this project parses cron and resolves it in a
/// time zone across daylight saving (see docs/router.md, "Time").
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    public let minutes: Set<Int>
    public let hours: Set<Int>
    public let daysOfMonth: Set<Int>
    public let months: Set<Int>
    public let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool
    public let description: String

    private struct Field {
        let name: String, range: ClosedRange<Int>, names: [String: Int]
    }

    private static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    private static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
    private static let fields = [
        Field(name: "minute", range: 0...59, names: [:]),
        Field(name: "hour", range: 0...23, names: [:]),
        Field(name: "day of month", range: 1...31, names: [:]),
        Field(name: "month", range: 1...12,
              names: Dictionary(uniqueKeysWithValues: monthNames.enumerated().map { ($1, $0 + 1) })),
        Field(name: "day of week", range: 0...7,
              names: Dictionary(uniqueKeysWithValues: dayNames.enumerated().map { ($1, $0) })),
    ]

    /// Parses `text`; the error names the field and the value at fault.
    public init(_ text: String) throws {
        let parts = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard parts.count == 5 else {
            throw ScheduleError("The cron expression \"\(text)\" has \(parts.count) field(s); it needs 5: minute hour day-of-month month day-of-week (\"30 15 * * MON-FRI\").")
        }
        var sets: [Set<Int>] = []
        for (part, field) in zip(parts, Self.fields) {
            sets.append(try Self.parse(part, field, expression: text))
        }
        minutes = sets[0]
        hours = sets[1]
        daysOfMonth = sets[2]
        months = sets[3]
        daysOfWeek = Set(sets[4].map { $0 % 7 })
        dayOfMonthRestricted = parts[2] != "*"
        dayOfWeekRestricted = parts[4] != "*"
        description = parts.joined(separator: " ")
        guard Self.canEverRun(daysOfMonth: daysOfMonth, months: months, weekdays: dayOfWeekRestricted) else {
            throw ScheduleError("The cron expression \"\(text)\" never runs: no month given has those days.")
        }
    }

    private static func parse(_ part: String, _ field: Field, expression: String) throws -> Set<Int> {
        func fail(_ why: String) -> ScheduleError {
            ScheduleError("In the cron expression \"\(expression)\", the \(field.name) field \"\(part)\" \(why)")
        }
        func value(_ text: String) throws -> Int {
            if let number = Int(text) {
                guard field.range.contains(number) else {
                    throw fail("has \(number), outside \(field.range.lowerBound)-\(field.range.upperBound).")
                }
                return number
            }
            if let named = field.names[text.uppercased()] { return named }
            let hint = field.names.isEmpty ? "" : " or names such as \(field.names.sorted { $0.value < $1.value }.prefix(2).map(\.key).joined(separator: ", "))"
            throw fail("has \"\(text)\", which is not a number\(hint).")
        }
        var result = Set<Int>()
        for item in part.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            guard !item.isEmpty else { throw fail("has an empty item in its list.") }
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard pieces.count <= 2 else { throw fail("has more than one \"/\".") }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed >= 1 else { throw fail("has the step \"\(pieces[1])\"; a step is a whole number, 1 or more.") }
                step = parsed
            }
            let lower: Int, upper: Int
            if pieces[0] == "*" {
                (lower, upper) = (field.range.lowerBound, field.range.upperBound)
            } else if let dash = pieces[0].firstIndex(of: "-") {
                lower = try value(String(pieces[0][..<dash]))
                upper = try value(String(pieces[0][pieces[0].index(after: dash)...]))
                guard lower <= upper else { throw fail("has the range \(lower)-\(upper), which runs backwards.") }
            } else {
                lower = try value(pieces[0])
                upper = pieces.count == 2 ? field.range.upperBound : lower
            }
            result.formUnion(stride(from: lower, through: upper, by: step))
        }
        return result
    }

    private static func canEverRun(daysOfMonth: Set<Int>, months: Set<Int>, weekdays: Bool) -> Bool {
        if weekdays { return true }
        let longest = [1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31]
        return months.contains { month in daysOfMonth.contains { $0 <= longest[month]! } }
    }

    /// Whether the expression runs on `day` (a local calendar day).
    func runs(on day: ZonedClock.Day) -> Bool {
        let (_, month, dayOfMonth) = day.civil
        guard months.contains(Int(month)) else { return false }
        let domMatches = daysOfMonth.contains(Int(dayOfMonth)), dowMatches = daysOfWeek.contains(day.weekday)
        switch (dayOfMonthRestricted, dayOfWeekRestricted) {
        case (true, true): return domMatches || dowMatches
        case (true, false): return domMatches
        case (false, true): return dowMatches
        case (false, false): return true
        }
    }

    /// The first run strictly after `instant`, in the wall-clock time of `clock`'s zone (see
    /// `ZonedClock` for skipped and repeated hours); nil when none falls in the next eight years.
    public func nextRun(after instant: Date, clock: ZonedClock) -> Date? {
        let hours = self.hours.sorted(), minutes = self.minutes.sorted()
        // The day before: a wall time of the previous day can resolve after `instant` only
        // through a gap, which moves times forward by at most a few hours.
        var day = ZonedClock.Day(number: clock.day(of: instant).number - 1)
        let last = day.number + 366 * 8
        // Within a day, and within an hour, later wall times never resolve to earlier instants (a
        // gap collapses to its end, a repeat takes its first occurrence): a day or an hour whose
        // last run is not after `instant` is skipped whole, so a step resolves a few dozen times,
        // not every minute of a day.
        let lastMinute = minutes.last!
        while day.number <= last {
            if runs(on: day), clock.instant(day, hour: hours.last!, minute: lastMinute) > instant {
                for hour in hours where clock.instant(day, hour: hour, minute: lastMinute) > instant {
                    for minute in minutes {
                        let candidate = clock.instant(day, hour: hour, minute: minute)
                        if candidate > instant { return candidate }
                    }
                }
            }
            day.number += 1
        }
        return nil
    }
}
