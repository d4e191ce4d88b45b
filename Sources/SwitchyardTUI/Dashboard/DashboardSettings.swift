import FoundationEssentials

/// What the dashboard is pointed at and what it may do; fixed for a run.
public struct DashboardSettings: Equatable, Sendable {
    /// Shown in the header: "user@host:5432/db" from `ConnectionSettings.displayName()`, which
    /// never includes the password.
    public var databaseName: String
    /// Observer mode: every change key is disabled and says why.
    public var readOnly: Bool
    /// Times on screen ("since 03:12:09") are in this zone.
    public var timeZone: ClockZone
    /// Rows the task list asks for.
    public var taskListLimit: Int

    public init(databaseName: String, readOnly: Bool, timeZone: ClockZone = .local, taskListLimit: Int = 500) {
        self.databaseName = databaseName
        self.readOnly = readOnly
        self.timeZone = timeZone
        self.taskListLimit = taskListLimit
    }
}
