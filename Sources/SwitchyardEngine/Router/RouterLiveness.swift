import FoundationEssentials

/// The one rule for "is this router alive", used by the dashboard, `stats` and
/// `--fail-if-no-router`, and evaluated on the database's clock, never a host's.
///
/// A router is live while it is not marked stopped and the promise of its last heartbeat holds:
/// each heartbeat sets `live_until` to the server's `now()` plus the router's lease. So a router
/// counts as live exactly as long as its in-flight tasks cannot be taken back, and one killed
/// with SIGKILL stops counting when its leases expire.
public enum RouterLiveness {
    /// Rows written by routers that predate `live_until` (schema 6) count as live this long
    /// after their last heartbeat.
    public static let legacyWindow: Duration = .seconds(30)

    /// The SQL condition over a `switchyard_routers` row, true for a live router at `now` (the
    /// server's `now()` in production; a fixed time in tests). `hasLiveUntil` is false on a
    /// schema before migration 7.
    static func condition(at now: Date, hasLiveUntil: Bool) -> Query {
        let legacy: Query = "heartbeat_at + \(legacyWindow.milliseconds) * interval '1 millisecond'"
        let promise: Query = hasLiveUntil ? "coalesce(live_until, \(legacy))" : legacy
        return "stopped_at IS NULL AND \(promise) > \(now)::timestamptz"
    }
}
