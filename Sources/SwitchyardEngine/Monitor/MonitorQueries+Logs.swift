import FoundationEssentials

extension MonitorQueries {
    /// Audit rows with id below `before` (all when nil), newest first, joined with their task.
    /// Served by a backward scan of the primary key and one task lookup per row. The limit sits
    /// in a subquery so the planner knows the join sees `limit` rows: joining first made it
    /// size a Memoize cache for thirty million, 35 ms of set-up for ten rows.
    func recentLogs(on connection: PGConnection, features: SchemaFeatures, before: Int?, limit: Int) throws -> [LogEntry] {
        guard features.hasLogsTable, features.hasTasksTable else {
            throw PartUnavailable(reason: SchemaFeatures.needsMigration("execution_logs"))
        }
        let query: Query = """
            SELECT \(unescaped: Self.logColumns(features))
            FROM (SELECT * FROM execution_logs WHERE id < \(before ?? Int.max)::bigint ORDER BY id DESC LIMIT \(max(0, limit))) AS l
            JOIN execution_tasks t ON t.id = l.task_id
            ORDER BY l.id DESC
            """
        return try connection.execute(query.named("recentLogs")).rows.map(Self.logEntry)
    }

    /// Every audit row of one task, oldest first.
    func auditTrail(on connection: PGConnection, features: SchemaFeatures, taskID: TaskID) throws -> [LogEntry] {
        let query: Query = """
            SELECT \(unescaped: Self.logColumns(features))
            FROM execution_logs l JOIN execution_tasks t ON t.id = l.task_id
            WHERE l.task_id = \(taskID) ORDER BY l.id
            """
        return try connection.execute(query.named("auditTrail")).rows.map(Self.logEntry)
    }

    /// The columns `logEntry(_:)` reads; the audit columns are NULL on a seed-only database.
    static func logColumns(_ features: SchemaFeatures) -> String {
        "l.id, l.task_id, t.trade_id, t.event_type, t.status AS task_status, l.status, l.response_code, l.response_body, "
            + "coalesce(l.created_at::timestamptz, '-infinity') AS created_at, "
            + (features.hasAuditColumns
                ? "l.event, l.account, l.actor, l.router_id, l.duration_ms"
                : "NULL::text AS event, NULL::text AS account, NULL::text AS actor, NULL::text AS router_id, "
                    + "NULL::int AS duration_ms")
    }

    static func logEntry(_ row: Row) throws -> LogEntry {
        LogEntry(id: try row.decode("id"), taskID: try row.decode("task_id"), tradeID: try row.decode("trade_id"),
                 eventType: try row.decode("event_type"), event: try row.decodeIfPresent("event"),
                 account: try row.decodeIfPresent("account"), status: try row.decode("status"),
                 responseCode: try row.decodeIfPresent("response_code"), message: try row.decodeIfPresent("response_body"),
                 actor: try row.decodeIfPresent("actor"), routerID: try row.decodeIfPresent("router_id"),
                 durationMilliseconds: try row.decodeIfPresent("duration_ms"), createdAt: try row.decode("created_at"),
                 taskStatus: try row.decodeIfPresent("task_status"))
    }
}
