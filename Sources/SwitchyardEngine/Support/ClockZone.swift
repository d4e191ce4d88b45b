import FoundationEssentials
import Glibc

/// The zone times are shown in, on screen and on the command line: the host's local time (`TZ`, else
/// /etc/localtime, daylight saving included), or a fixed offset from UTC (tests, `TZ`-less runs).
///
/// The offset comes from the C library (`localtime_r`), not Foundation's `TimeZone`: in this
/// build `TimeZone` knows only UTC, and the full one loads ICU's data into every dashboard
/// (about 5 MiB resident; see docs/performance.md).
public enum ClockZone: Equatable, Sendable {
    case local
    case fixed(secondsFromUTC: Int)

    public static let utc = ClockZone.fixed(secondsFromUTC: 0)

    /// Seconds to add to UTC for the local time at `date`.
    public func secondsFromUTC(at date: Date) -> Int {
        switch self {
        case .fixed(let seconds):
            return seconds
        case .local:
            var time = time_t(date.timeIntervalSince1970.rounded(.down))
            var parts = tm()
            guard localtime_r(&time, &parts) != nil else { return 0 }
            return parts.tm_gmtoff
        }
    }

    /// "2026-12-07 05:56:30 UTC", "2026-12-07 00:56:30 -05:00": a time in this zone to the
    /// second with the zone shown, the one style of every time the command line prints
    /// (scripts read `--json`, which keeps ISO 8601).
    public func stamp(_ date: Date) -> String {
        let offset = secondsFromUTC(at: date)
        // "2026-12-07T00:56:30Z" of the shifted instant: the zone's wall clock.
        let wall = PostgresTime.iso8601(date.addingTimeInterval(TimeInterval(offset)))
        let text = wall.prefix(10) + " " + wall.dropFirst(11).dropLast()
        guard offset != 0 else { return text + " UTC" }
        return text + (offset < 0 ? " -" : " +") + Self.hoursAndMinutes(abs(offset) / 60)
    }

    /// "07:05" for 425 minutes: a clock time or an offset, hours and minutes two digits each.
    static func hoursAndMinutes(_ minutes: Int) -> String {
        let twoDigits = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        return twoDigits(minutes / 60) + ":" + twoDigits(minutes % 60)
    }
}
