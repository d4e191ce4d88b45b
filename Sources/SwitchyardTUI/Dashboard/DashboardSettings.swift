import FoundationEssentials
import SwitchyardEngine

/// What the dashboard is pointed at and what it may do; fixed for a run.
public struct DashboardSettings: Equatable, Sendable {
    /// The header's names for the database, longest first (`DatabaseEndpoint.names`: each keeps
    /// the database's name, none includes the password); it shows the first that fits.
    public var databaseNames: [String]
    /// Observer mode: every change key is disabled and says why.
    public var readOnly: Bool
    /// Times on screen ("since 03:12:09") are in this zone.
    public var timeZone: ClockZone
    /// Rows the task list asks for.
    public var taskListLimit: Int

    public init(databaseNames: [String], readOnly: Bool, timeZone: ClockZone = .local, taskListLimit: Int = 500) {
        self.databaseNames = databaseNames
        self.readOnly = readOnly
        self.timeZone = timeZone
        self.taskListLimit = taskListLimit
    }

    /// Settings whose database has one name only.
    public init(databaseName: String, readOnly: Bool, timeZone: ClockZone = .local, taskListLimit: Int = 500) {
        self.init(databaseNames: [databaseName], readOnly: readOnly, timeZone: timeZone, taskListLimit: taskListLimit)
    }
}
