import FoundationEssentials

/// The dashboard's reads through the shared client: each runs on the client's queue, off
/// Swift's cooperative pool.
extension DatabaseClient {
    /// One dashboard snapshot; see `MonitorQueries.snapshot(on:filter:now:)`.
    public func snapshot(filter: TaskFilter = TaskFilter(), now: Date? = nil,
                         queries: MonitorQueries = MonitorQueries()) async throws -> DashboardSnapshot {
        try await withConnection { try queries.snapshot(on: $0, filter: filter, now: now) }
    }

    /// Audit rows older than the cursor `before` (a log id), newest first.
    public func recentLogs(before: Int? = nil, limit: Int = 50,
                           queries: MonitorQueries = MonitorQueries()) async throws -> [LogEntry] {
        try await withConnection { try queries.recentLogs(on: $0, before: before, limit: limit) }
    }

    /// Tasks matching the filter, newest first.
    public func listTasks(filter: TaskFilter = TaskFilter(), limit: Int = 200,
                          queries: MonitorQueries = MonitorQueries()) async throws -> [TaskSummary] {
        try await withConnection { try queries.listTasks(on: $0, filter: filter, limit: limit) }
    }

    /// One task with its payload and whole audit trail; nil when there is no such task.
    public func taskDetail(id: TaskID, queries: MonitorQueries = MonitorQueries()) async throws -> TaskDetail? {
        try await withConnection { try queries.taskDetail(on: $0, id: id) }
    }
}
