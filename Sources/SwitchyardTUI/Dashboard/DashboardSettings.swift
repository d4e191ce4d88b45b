import Foundation

/// What the dashboard is pointed at and what it may do; fixed for a run.
public struct DashboardSettings: Equatable, Sendable {
    /// Shown in the header: "user@host:5432/db", never a password (see `displayName(connection:)`).
    public var databaseName: String
    /// Observer mode: every change key is disabled and says why.
    public var readOnly: Bool
    /// Times on screen ("since 03:12:09") are in this zone.
    public var timeZone: TimeZone
    /// Rows the task list asks for.
    public var taskListLimit: Int

    public init(databaseName: String, readOnly: Bool, timeZone: TimeZone = .current, taskListLimit: Int = 500) {
        self.databaseName = Self.displayName(connection: databaseName)
        self.readOnly = readOnly
        self.timeZone = timeZone
        self.taskListLimit = taskListLimit
    }

    /// A connection URL or conninfo string without its password, for the header.
    ///
    /// `postgres://app:secret@db:5432/queue?sslmode=require` becomes `app@db:5432/queue`;
    /// `host=db dbname=queue password=secret` becomes `host=db dbname=queue`.
    public static func displayName(connection: String) -> String {
        if let range = connection.range(of: "://") {
            var rest = String(connection[range.upperBound...])
            if let query = rest.firstIndex(of: "?") { rest = String(rest[..<query]) }
            if let at = rest.lastIndex(of: "@") {
                let userInfo = rest[..<at]
                let user = userInfo.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
                rest = (user.isEmpty ? "" : user + "@") + rest[rest.index(after: at)...]
            }
            return rest
        }
        return connection.split(separator: " ")
            .filter { !$0.lowercased().hasPrefix("password=") }
            .joined(separator: " ")
    }
}
