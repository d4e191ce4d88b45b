import Foundation

/// Reads tasks for `switchyard tasks list|show` and the dashboard's task views.
public struct TaskLookup {
    public let connection: PGConnection
    public init(connection: PGConnection) { self.connection = connection }

    /// Tasks the filter matches, newest first.
    public func list(_ filter: TaskFilter = TaskFilter(), limit: Int = 50) throws -> [TaskSummary] {
        let statuses = filter.statuses.map(\.rawValue)
        let pattern = filter.tradeIDContains.flatMap { $0.isEmpty ? nil : "%" + TaskActions.escapeLike($0) + "%" }
        let query: Query = """
            SELECT id, trade_id, event_type, status, attempts, max_attempts, last_error,
                   created_at::timestamptz AS created_at, updated_at::timestamptz AS updated_at
            FROM execution_tasks
            WHERE (cardinality(\(statuses)::text[]) = 0 OR status = ANY(\(statuses)::text[]))
              AND (\(filter.eventType?.rawValue)::text IS NULL OR event_type = \(filter.eventType?.rawValue))
              AND (\(pattern)::text IS NULL OR trade_id ILIKE \(pattern))
            ORDER BY id DESC LIMIT \(max(limit, 0))
            """
        return try connection.execute(query.named("listTasks")).rows.map(Self.summary)
    }

    /// One task with its payload and whole audit trail; nil when there is no such task.
    public func detail(_ id: TaskID) throws -> TaskDetail? {
        let query: Query = """
            SELECT id, trade_id, event_type, status, attempts, max_attempts, last_error,
                   created_at::timestamptz AS created_at, updated_at::timestamptz AS updated_at,
                   jsonb_pretty(payload) AS payload, available_at, locked_by, locked_until, finished_at, dead_letter_reason
            FROM execution_tasks WHERE id = \(id)
            """
        guard let row = try connection.execute(query.named("taskDetail")).first else { return nil }
        let logs: Query = """
            SELECT l.id, l.task_id, t.trade_id, t.event_type, l.event, l.account, l.status, l.response_code,
                   l.response_body, l.actor, l.router_id, l.duration_ms, l.created_at::timestamptz AS created_at
            FROM execution_logs AS l JOIN execution_tasks AS t ON t.id = l.task_id
            WHERE l.task_id = \(id) ORDER BY l.id
            """
        let trail = try connection.execute(logs.named("taskAuditTrail")).rows.map { row in
            LogEntry(id: try row.decode("id"), taskID: try row.decode("task_id"), tradeID: try row.decode("trade_id"),
                     eventType: try row.decode("event_type"), event: try row.decodeIfPresent("event"),
                     account: try row.decodeIfPresent("account"), status: try row.decode("status"),
                     responseCode: try row.decodeIfPresent("response_code"), message: try row.decodeIfPresent("response_body"),
                     actor: try row.decodeIfPresent("actor"), routerID: try row.decodeIfPresent("router_id"),
                     durationMilliseconds: try row.decodeIfPresent("duration_ms"),
                     createdAt: try row.decodeIfPresent("created_at") ?? Date(timeIntervalSince1970: 0))
        }
        return TaskDetail(summary: try Self.summary(row), payload: try row.decodeIfPresent("payload"),
                          availableAt: try row.decodeIfPresent("available_at"), lockedBy: try row.decodeIfPresent("locked_by"),
                          lockedUntil: try row.decodeIfPresent("locked_until"), finishedAt: try row.decodeIfPresent("finished_at"),
                          deadLetterReason: try row.decodeIfPresent("dead_letter_reason"), auditTrail: trail)
    }

    /// Tasks per status (for scripts and tests).
    public func countsByStatus() throws -> [TaskStatus: Int] {
        var counts: [TaskStatus: Int] = [:]
        for row in try connection.execute("SELECT status, count(*) AS n FROM execution_tasks GROUP BY status").rows {
            counts[try row.decode("status")] = try row.decode("n")
        }
        return counts
    }

    static func summary(_ row: Row) throws -> TaskSummary {
        TaskSummary(id: try row.decode("id"), tradeID: try row.decode("trade_id"), eventType: try row.decode("event_type"),
                    status: try row.decode("status"), attempts: try row.decode("attempts"),
                    maxAttempts: try row.decodeIfPresent("max_attempts"), lastError: try row.decodeIfPresent("last_error"),
                    createdAt: try row.decodeIfPresent("created_at") ?? Date(timeIntervalSince1970: 0),
                    updatedAt: try row.decodeIfPresent("updated_at"))
    }
}
