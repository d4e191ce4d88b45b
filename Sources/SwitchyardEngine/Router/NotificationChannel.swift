/// The channels Switchyard's triggers notify (migration 4). The only place their names are written.
public enum NotificationChannel: String, CaseIterable, Sendable {
    /// New tasks: any INSERT into `execution_tasks`, the seed system's plain ones included.
    case tasks = "switchyard_tasks"
    /// New audit rows: attempts written back, operator actions.
    case activity = "switchyard_activity"
    /// Pause and resume of routers or event types.
    case control = "switchyard_control"
    /// Alert messages queued (migration 9, sent by the evaluator): dashboards refresh.
    case alerts = "switchyard_alerts"

    /// What a router waits for: new work, and the switches that let it claim.
    public static let router: [NotificationChannel] = [.tasks, .control]
}
