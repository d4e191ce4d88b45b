/// The parts of a `DashboardSnapshot`, named as `DashboardSnapshot.unavailable` names them.
public enum SnapshotPart: String, CaseIterable, Sendable {
    case queue, rates, recentLogs, failedTasks, deadTasks, heldTasks, accounts, routers, control, schedules, alerts

    /// The key in `switchyard stats --json` ("recent_logs").
    public var jsonKey: String {
        switch self {
        case .recentLogs: "recent_logs"
        case .failedTasks: "failed_tasks"
        case .deadTasks: "dead_tasks"
        case .heldTasks: "held_tasks"
        default: rawValue
        }
    }
}
