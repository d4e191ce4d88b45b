import FoundationEssentials

/// A refused operator action: one task in the wrong state, an empty selection, a bad argument.
public struct ActionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The operator actions (retry, dead-letter, hold, resume, pause), as the dashboard and
/// `switchyard tasks` call them. Each runs in one transaction, is guarded by the state it
/// expects, writes an audit row with the actor, and deletes nothing.
///
/// Not thread-safe (it uses one connection); from async code, call it through
/// `DatabaseClient.perform(_:actor:)` and `DatabaseClient.preview(_:)`.
public struct TaskActions {
    public let connection: PGConnection
    public init(connection: PGConnection) { self.connection = connection }

    /// Statuses each task action moves a task from.
    public static func allowedStatuses(for action: OperatorAction) -> [TaskStatus] {
        switch action {
        case .retry, .retryMatching: [.failed, .dead, .retrying, .held]
        case .deadLetter: [.pending, .running, .retrying, .held, .failed]
        case .hold: [.pending, .retrying, .failed]
        case .resume: [.held]
        case .pauseRouter, .resumeRouter, .pauseEventType, .resumeEventType, .schedule: []
        }
    }

    /// Why `action` cannot apply to task `id` in `status`, in the words `perform` would refuse it
    /// with; nil when the status allows it.
    public static func refusal(_ action: OperatorAction, id: TaskID, status: TaskStatus) -> String? {
        let allowed = allowedStatuses(for: action)
        guard action.actsOnTasks, !allowed.contains(status) else { return nil }
        return singleTaskMessage(action, id: id, reason: "is \(status.rawValue)", allowed: allowed)
    }

    /// What `action` would touch now, for the confirmation question. Changes nothing.
    public func preview(_ action: OperatorAction) throws -> ActionPreview {
        switch action {
        case .pauseRouter, .resumeRouter, .pauseEventType, .resumeEventType:
            return try switchPreview(action)
        case .schedule(let name, let change):
            return ActionPreview(action: action, matching: 0, question: try ScheduleBook(connection: connection).question(name, change))
        case .retryMatching(let filter):
            let count = try matchingIDs(filter, allowed: Self.allowedStatuses(for: action), lock: false).count
            return ActionPreview(action: action, matching: count,
                                 question: "Retry \(count) \(Self.effective(filter).summary)?")
        case .retry(let ids), .deadLetter(let ids, _), .hold(let ids), .resume(let ids):
            let allowed = Self.allowedStatuses(for: action).map(\.rawValue)
            let query: Query = "SELECT count(*) AS n FROM execution_tasks WHERE id = ANY(\(ids)::int[]) AND status = ANY(\(allowed)::text[])"
            let count = try connection.execute(query.named("previewAction")).first?.decode("n", as: Int.self) ?? 0
            let verb = action.verb.prefix(1).uppercased() + action.verb.dropFirst()
            let what = ids.count == 1 ? "task \(ids[0])" : "\(count) of \(ids.count) selected tasks"
            return ActionPreview(action: action, matching: count, question: "\(verb) \(what)?")
        }
    }

    /// Performs `action` as `actor` (see `OperatorIdentity.current()`). Tasks whose state moved
    /// on are skipped and reported; a single task in the wrong state throws `ActionError`, a
    /// single task that does not exist `TaskNotFound`.
    /// Times written come from the database's clock, as the routers' leases do, never this host's.
    @discardableResult
    public func perform(_ action: OperatorAction, actor: String) throws -> ActionReport {
        switch action {
        case .pauseRouter(let reason):
            try setControl(action: "PAUSE", eventType: nil, actor: actor, reason: reason,
                           change: "global_paused = true")
        case .resumeRouter:
            try setControl(action: "RESUME", eventType: nil, actor: actor, reason: nil, change: "global_paused = false")
        case .pauseEventType(let type, let reason):
            try setControl(action: "PAUSE", eventType: type, actor: actor, reason: reason,
                           change: "paused_event_types = array_append(array_remove(paused_event_types, \(type.rawValue)), \(type.rawValue))")
        case .resumeEventType(let type):
            try setControl(action: "RESUME", eventType: type, actor: actor, reason: nil,
                           change: "paused_event_types = array_remove(paused_event_types, \(type.rawValue))")
        case .schedule(let name, let change):
            let report = try ScheduleBook(connection: connection).change(name, change, actor: actor)
            return ActionReport(action: action, changed: report.taskID.map { [$0] } ?? [], skipped: [:], note: report.summary)
        case .retry(let ids), .deadLetter(let ids, _), .hold(let ids), .resume(let ids):
            guard !ids.isEmpty else { throw ActionError("No tasks selected; nothing to \(action.verb).") }
            return try connection.transaction { _ in try changeTasks(action, ids: ids, actor: actor) }
        case .retryMatching(let filter):
            return try connection.transaction { _ in
                let ids = try matchingIDs(filter, allowed: Self.allowedStatuses(for: action), lock: true)
                guard !ids.isEmpty else { return ActionReport(action: action, changed: [], skipped: [:]) }
                return try changeTasks(action, ids: ids, actor: actor)
            }
        }
        return ActionReport(action: action, changed: [], skipped: [:])
    }

    // MARK: Tasks

    private func changeTasks(_ action: OperatorAction, ids: [TaskID], actor: String) throws -> ActionReport {
        let allowed = Self.allowedStatuses(for: action)
        let lockQuery: Query = """
            SELECT t.id, t.status, t.event_type,
                EXISTS (SELECT 1 FROM execution_tasks AS x
                        WHERE x.trade_id = t.trade_id AND x.event_type = 'EXIT' AND x.id > t.id
                          AND (x.attempts > 0 OR x.status = 'SUCCESS')) AS exit_ran
            FROM execution_tasks AS t WHERE t.id = ANY(\(ids)::int[]) ORDER BY t.id FOR UPDATE OF t
            """
        var skipped: [TaskID: String] = [:]
        var candidates: [TaskID] = []
        var previous: [TaskID: TaskStatus] = [:]
        let rows = try connection.execute(lockQuery.named("lockTasksForAction")).rows
        for row in rows {
            let id: TaskID = try row.decode("id")
            let status: TaskStatus = try row.decode("status")
            previous[id] = status
            if !allowed.contains(status) {
                skipped[id] = "is \(status.rawValue)"
            } else if action.isRetry, try row.decode("event_type", as: EventType.self) == .entry,
                      try row.decode("exit_ran", as: Bool.self) {
                skipped[id] = "refused: its trade's EXIT already ran, so the position must not open again"
            } else {
                candidates.append(id)
            }
        }
        for id in ids where previous[id] == nil { skipped[id] = "does not exist" }
        if ids.count == 1, !action.isBulk, previous[ids[0]] == nil { throw TaskNotFound(ids[0]) }
        if ids.count == 1, !action.isBulk, let reason = skipped[ids[0]] {
            throw ActionError(Self.singleTaskMessage(action, id: ids[0], reason: reason, allowed: allowed))
        }
        guard !candidates.isEmpty else { return ActionReport(action: action, changed: [], skipped: skipped) }

        let allowedText = allowed.map(\.rawValue)
        let update: Query
        let newStatus: TaskStatus
        let event: LogEvent
        var note: String
        switch action {
        case .retry, .retryMatching:
            (newStatus, event, note) = (.pending, .retryRequested, "Retry requested by \(actor)")
            update = """
                UPDATE execution_tasks SET status = 'PENDING', available_at = now(), locked_by = NULL, locked_until = NULL,
                    finished_at = NULL, max_attempts = greatest(max_attempts, attempts + 1), updated_at = now()
                WHERE id = ANY(\(candidates)::int[]) AND status = ANY(\(allowedText)::text[]) RETURNING id
                """
        case .deadLetter(_, let reason):
            (newStatus, event, note) = (.dead, .deadLettered, "Dead-lettered by \(actor): \(reason)")
            update = """
                UPDATE execution_tasks SET status = 'DEAD', dead_letter_reason = \(reason), dead_lettered_at = now(),
                    finished_at = now(), locked_by = NULL, locked_until = NULL, updated_at = now()
                WHERE id = ANY(\(candidates)::int[]) AND status = ANY(\(allowedText)::text[]) RETURNING id
                """
        case .hold:
            (newStatus, event, note) = (.held, .held, "Held by \(actor)")
            update = """
                UPDATE execution_tasks SET status = 'HELD', updated_at = now()
                WHERE id = ANY(\(candidates)::int[]) AND status = ANY(\(allowedText)::text[]) RETURNING id
                """
        case .resume:
            (newStatus, event, note) = (.pending, .resumed, "Resumed by \(actor)")
            update = """
                UPDATE execution_tasks SET status = 'PENDING', available_at = greatest(available_at, now()), updated_at = now()
                WHERE id = ANY(\(candidates)::int[]) AND status = ANY(\(allowedText)::text[]) RETURNING id
                """
        default:
            throw ActionError("\(action.verb) is not a task action.")
        }
        let changed = try connection.execute(update.named("operatorAction")).rows.map { try $0.decode("id", as: TaskID.self) }.sorted()
        if !changed.isEmpty {
            let before = changed.map { previous[$0]?.rawValue ?? "?" }
            if note.count > 2000 { note = String(note.prefix(2000)) }
            let audit: Query = """
                INSERT INTO execution_logs (task_id, status, response_body, event, actor)
                SELECT u.id, \(newStatus.rawValue), \(note) || ' (was ' || u.before || ').', \(event.rawValue), \(actor)
                FROM unnest(\(changed)::int[], \(before)::text[]) AS u(id, before)
                """
            try connection.execute(audit.named("auditOperatorAction"))
        }
        return ActionReport(action: action, changed: changed, skipped: skipped)
    }

    private static func singleTaskMessage(_ action: OperatorAction, id: TaskID, reason: String, allowed: [TaskStatus]) -> String {
        if reason.hasPrefix("refused") { return "Cannot retry task \(id): \(reason.dropFirst("refused: ".count))." }
        let names = allowed.map(\.rawValue)
        let list = names.count > 1 ? names.dropLast().joined(separator: ", ") + " or " + names.last! : names.joined()
        return "Cannot \(action.verb) task \(id): it \(reason); only \(list) tasks can be \(action.pastParticiple)."
    }

    private static func effective(_ filter: TaskFilter) -> TaskFilter {
        var filter = filter
        if filter.statuses.isEmpty { filter.statuses = [.failed] }
        return filter
    }

    /// Tasks the filter matches, limited to `allowed` statuses; statuses default to FAILED.
    private func matchingIDs(_ filter: TaskFilter, allowed: [TaskStatus], lock: Bool) throws -> [TaskID] {
        let statuses = Self.effective(filter).statuses.filter(allowed.contains).map(\.rawValue)
        let pattern = filter.tradeIDContains.flatMap { $0.isEmpty ? nil : MonitorQueries.containsPattern($0) }
        let base: Query = """
            SELECT id FROM execution_tasks
            WHERE status = ANY(\(statuses)::text[])
              AND (\(filter.eventType?.rawValue)::text IS NULL OR event_type = \(filter.eventType?.rawValue))
              AND (\(pattern)::text IS NULL OR trade_id ILIKE \(pattern))
            ORDER BY id
            """
        let query: Query = lock ? "\(base) FOR UPDATE SKIP LOCKED" : base
        return try connection.execute(query.named("matchTasks")).rows.map { try $0.decode("id", as: TaskID.self) }
    }

    // MARK: Router-wide switches

    /// Applies `change`, an assignment to the control row carrying its own parameters.
    private func setControl(action: String, eventType: EventType?, actor: String, reason: String?, change: Query) throws {
        try connection.transaction { connection in
            let update: Query = """
                UPDATE switchyard_control SET \(change), changed_by = \(actor), changed_at = now(), reason = \(reason)
                WHERE id = 1
                """
            try connection.execute(update.named("setControl"))
            let log: Query = """
                INSERT INTO switchyard_control_log (action, event_type, actor, reason)
                VALUES (\(action), \(eventType?.rawValue), \(actor), \(reason))
                """
            try connection.execute(log.named("auditControl"))
        }
    }
}

extension OperatorAction {
    /// Retry and retry-matching share the refusal rule for ENTRY tasks whose EXIT ran.
    fileprivate var isRetry: Bool {
        switch self {
        case .retry, .retryMatching: true
        default: false
        }
    }

    /// True for actions chosen by a filter, where a task in another state is simply left alone.
    var isBulk: Bool {
        if case .retryMatching = self { true } else { false }
    }

    /// "retried", "dead-lettered", ... for messages.
    public var pastParticiple: String {
        switch self {
        case .retry, .retryMatching: "retried"
        case .deadLetter: "dead-lettered"
        case .hold: "held"
        case .resume, .resumeRouter, .resumeEventType: "resumed"
        case .pauseRouter, .pauseEventType: "paused"
        case .schedule(_, let change): change.verb
        }
    }
}

extension DatabaseClient {
    /// `TaskActions.preview` on the client's connection.
    public func preview(_ action: OperatorAction) async throws -> ActionPreview {
        try await withConnection { try TaskActions(connection: $0).preview(action) }
    }

    /// `TaskActions.perform` on the client's connection.
    public func perform(_ action: OperatorAction, actor: String = OperatorIdentity.current()) async throws -> ActionReport {
        try await withConnection { try TaskActions(connection: $0).perform(action, actor: actor) }
    }
}
