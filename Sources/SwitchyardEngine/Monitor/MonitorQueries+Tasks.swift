import FoundationEssentials

extension MonitorQueries {
    /// One status's tasks (the failed, dead and held parts), newest first, narrowed by the
    /// filter's event type and trade id text; its statuses are ignored.
    func tasks(on connection: PGConnection, features: SchemaFeatures, status: TaskStatus, filter: TaskFilter) throws
        -> [TaskSummary]
    {
        var narrowed = filter
        narrowed.statuses = [status]
        return try listTasks(on: connection, features: features, filter: narrowed, limit: config.taskListLimit)
    }

    /// Tasks matching the filter, newest (highest id) first. One status is served by the
    /// `(status, id)` index; no status by the primary key.
    func listTasks(on connection: PGConnection, features: SchemaFeatures, filter: TaskFilter, limit: Int) throws
        -> [TaskSummary]
    {
        guard features.hasTasksTable else { throw PartUnavailable(reason: SchemaFeatures.needsMigration("execution_tasks")) }
        var conditions: [Query] = []
        switch filter.statuses.count {
        case 0: break
        case 1: conditions.append("status = \(filter.statuses[0].rawValue)::text")
        default: conditions.append("status = ANY(\(filter.statuses.map(\.rawValue))::text[])")
        }
        if let eventType = filter.eventType {
            conditions.append("event_type = \(eventType.rawValue)::text")
        }
        if let text = filter.tradeIDContains, !text.isEmpty {
            conditions.append("trade_id ILIKE \(Self.containsPattern(text))")
        }
        let whereClause: Query = conditions.isEmpty ? "" : " WHERE \(conditions.joined(separator: " AND "))"
        let query: Query = """
            SELECT \(unescaped: Self.summaryColumns(features)) FROM execution_tasks\(whereClause) \
            ORDER BY id DESC LIMIT \(max(0, limit))
            """
        return try connection.execute(query.named("listTasks")).rows.map(Self.summary)
    }

    /// One task, its payload and every audit row about it, oldest first.
    func taskDetail(on connection: PGConnection, features: SchemaFeatures, id: TaskID) throws -> TaskDetail? {
        guard features.hasTasksTable else { throw PartUnavailable(reason: SchemaFeatures.needsMigration("execution_tasks")) }
        let queueColumns = features.hasQueueColumns
            ? "available_at, locked_by, locked_until, finished_at, dead_letter_reason"
            : "NULL::timestamptz AS available_at, NULL::text AS locked_by, NULL::timestamptz AS locked_until, "
                + "NULL::timestamptz AS finished_at, NULL::text AS dead_letter_reason"
        let query: Query = """
            SELECT \(unescaped: Self.summaryColumns(features)), payload::text AS payload, \(unescaped: queueColumns)
            FROM execution_tasks WHERE id = \(id)
            """
        guard let row = try connection.execute(query.named("taskDetail")).first else { return nil }
        let trail = features.hasLogsTable ? try auditTrail(on: connection, features: features, taskID: id) : []
        return TaskDetail(summary: try Self.summary(row), payload: try row.decodeIfPresent("payload"),
                          availableAt: try row.decodeIfPresent("available_at"), lockedBy: try row.decodeIfPresent("locked_by"),
                          lockedUntil: try row.decodeIfPresent("locked_until"),
                          finishedAt: try row.decodeIfPresent("finished_at"),
                          deadLetterReason: try row.decodeIfPresent("dead_letter_reason"), auditTrail: trail)
    }

    /// `%text%` for ILIKE, with the pattern characters in `text` matched literally.
    static func containsPattern(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "\\" || character == "%" || character == "_" { escaped.append("\\") }
            escaped.append(character)
        }
        return "%" + escaped + "%"
    }

    /// The columns `summary(_:)` reads. The seed system's `created_at` may be NULL and is a
    /// server-local TIMESTAMP: `::timestamptz` reads it in the session's time zone.
    static func summaryColumns(_ features: SchemaFeatures) -> String {
        "id, trade_id, event_type, status, attempts, "
            + (features.hasQueueColumns ? "max_attempts" : "NULL::int AS max_attempts")
            + ", last_error, coalesce(created_at::timestamptz, updated_at::timestamptz, '-infinity') AS created_at, "
            + "updated_at::timestamptz AS updated_at"
    }

    static func summary(_ row: Row) throws -> TaskSummary {
        TaskSummary(id: try row.decode("id"), tradeID: try row.decode("trade_id"), eventType: try row.decode("event_type"),
                    status: try row.decode("status"), attempts: try row.decode("attempts"),
                    maxAttempts: try row.decodeIfPresent("max_attempts"), lastError: try row.decodeIfPresent("last_error"),
                    createdAt: try row.decode("created_at"), updatedAt: try row.decodeIfPresent("updated_at"))
    }
}
