import FoundationEssentials
import Glibc

/// The zone clock times on screen are shown in: the host's local time (`TZ`, else
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
}
