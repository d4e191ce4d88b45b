import FoundationEssentials

/// When a schedule runs: every fixed period, or on a cron expression in a time zone.
public enum ScheduleTiming: Sendable, Equatable, CustomStringConvertible {
    /// Runs at whole multiples of the period since 1970-01-01 00:00 UTC: `every 15m` runs at
    /// :00, :15, :30 and :45 (UTC), `every 2s` on even seconds, whichever router looks.
    case every(Duration)
    case cron(CronExpression, ZonedClock)

    /// A period of at least one second, in whole seconds.
    public static func every(_ text: String) throws -> ScheduleTiming {
        do { return try every(TimeSpan(parsing: text)) } catch let error as TimeSpanError { throw ScheduleError(error.message) }
    }

    public static func every(_ span: TimeSpan) throws -> ScheduleTiming {
        let period = span.duration
        guard period >= .seconds(1), period.components.attoseconds == 0 else {
            throw ScheduleError("A schedule runs every whole number of seconds, at least 1s (\(span) is not).")
        }
        return .every(period)
    }

    public static func cron(_ expression: String, timeZone: String) throws -> ScheduleTiming {
        .cron(try CronExpression(expression), try ZonedClock(identifier: timeZone))
    }

    /// The first run strictly after `instant`.
    public func nextRun(after instant: Date) -> Date? {
        switch self {
        case .every(let period):
            let seconds = Double(period.components.seconds)
            return Date(timeIntervalSince1970: ((instant.timeIntervalSince1970 / seconds).rounded(.down) + 1) * seconds)
        case .cron(let expression, let clock):
            return expression.nextRun(after: instant, clock: clock)
        }
    }

    /// The period in milliseconds, for `every` (the `every_ms` column).
    var everyMilliseconds: Int64? {
        if case .every(let period) = self { period.components.seconds * 1000 } else { nil }
    }

    var cronText: String? {
        if case .cron(let expression, _) = self { expression.description } else { nil }
    }

    var timeZoneIdentifier: String {
        if case .cron(_, let clock) = self { clock.identifier } else { "UTC" }
    }

    /// "every 2s", "cron 30 15 * * MON-FRI (America/New_York)".
    public var description: String {
        switch self {
        case .every(let period): "every \(TimeSpan.format(period))"
        case .cron(let expression, let clock): "cron \(expression) (\(clock.identifier))"
        }
    }

    static func stored(everyMilliseconds: Int64?, cron: String?, timeZone: String) throws -> ScheduleTiming {
        if let everyMilliseconds { return .every(.milliseconds(everyMilliseconds)) }
        return try .cron(cron ?? "", timeZone: timeZone)
    }
}

/// What a schedule does with runs that fell due while no router was alive.
public enum CatchUpPolicy: String, Sendable, CaseIterable {
    /// Every missed run is enqueued, oldest first.
    case all
    /// The most recent missed run is enqueued; the others are recorded as missed.
    case latest
    /// No missed run is enqueued; all are recorded as missed.
    case none
}
