import FoundationEssentials

/// A refused operator action: one task in the wrong state, an empty selection, a bad argument.
public struct ActionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The operator actions on tasks (retry, dead-letter, hold, resume), as `OperatorActions` runs
/// them for the dashboard and `switchyard tasks`. Each runs in one transaction, is guarded by
/// the state it expects, writes an audit row with the actor, and deletes nothing.
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
        return singleTaskMessage(action, id: id, reason: .status(status), exit: nil)
    }

    /// What `action` would touch now, for the confirmation question. Changes nothing.
    public func preview(_ action: OperatorAction) throws -> ActionPreview {
        switch action {
        case .retryMatching(let filter):
            let count = try matchingIDs(filter, allowed: Self.allowedStatuses(for: action), lock: false).count
            return ActionPreview(action: action, matching: count,
                                 question: "Retry \(count) \(Self.effective(filter).summary)?")
        case .retry(let ids), .deadLetter(let ids, _), .hold(let ids), .resume(let ids):
            let allowed = Self.allowedStatuses(for: action).map(\.rawValue)
            let query: Query = """
                SELECT count(*) AS n, count(*) FILTER (WHERE status = 'HELD' AND held_from = 'FAILED') AS held_failed
                FROM execution_tasks WHERE id = ANY(\(ids)::int[]) AND status = ANY(\(allowed)::text[])
                """
            let row = try connection.execute(query.named("previewAction")).first
            let count = try row?.decode("n", as: Int.self) ?? 0
            let verb = action.verb.prefix(1).uppercased() + action.verb.dropFirst()
            let what = ids.count == 1 ? "task \(ids[0])" : "\(count) of \(ids.count) selected tasks"
            var consequences: [String] = []
            if action.isResume, let heldFailed = try row?.decode("held_failed", as: Int.self), heldFailed > 0 {
                consequences.append(heldFailed == 1 && count == 1
                    ? "It returns to FAILED, the state it was held from, and does not run; retry it to run it again."
                    : "\(heldFailed) of them return to FAILED, the state they were held from, and do not run; "
                        + "retry them to run them again.")
            }
            return ActionPreview(action: action, matching: count, question: "\(verb) \(what)?", consequences: consequences)
        case .pauseRouter, .resumeRouter, .pauseEventType, .resumeEventType, .schedule:
            throw ActionError("\(action.verb) is not an action on tasks.")
        }
    }

    /// Performs `action` as `actor` (see `OperatorIdentity.current()`). Tasks whose state does not
    /// allow it, and ENTRYs a retry refuses, are skipped and reported with the reason; a single
    /// task in the wrong state throws `ActionError`, a single task that does not exist `TaskNotFound`.
    /// Times written come from the database's clock, as the routers' leases do, never this host's.
    @discardableResult
    public func perform(_ action: OperatorAction, actor: String) throws -> ActionReport {
        switch action {
        case .retry(let ids), .deadLetter(let ids, _), .hold(let ids), .resume(let ids):
            guard !ids.isEmpty else { throw ActionError("No tasks selected; nothing to \(action.verb).") }
            return try Self.needingTheLatestSchema {
                try connection.transaction { _ in try changeTasks(action, ids: ids, actor: actor) }
            }
        case .retryMatching(let filter):
            return try Self.needingTheLatestSchema {
                try connection.transaction { _ in
                    let ids = try matchingIDs(filter, allowed: Self.allowedStatuses(for: action), lock: true)
                    guard !ids.isEmpty else { return ActionReport(action: action, changed: [], skipped: [:]) }
                    return try changeTasks(action, ids: ids, actor: actor)
                }
            }
        case .pauseRouter, .resumeRouter, .pauseEventType, .resumeEventType, .schedule:
            throw ActionError("\(action.verb) is not an action on tasks.")
        }
    }

    /// Runs `body`; a column the database lacks (its schema predates this program's migrations,
    /// e.g. `held_from` before migration 13) becomes an error that says to migrate. Nothing was
    /// changed: the action's transaction rolled back.
    private static func needingTheLatestSchema<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError where error.sqlState == .undefinedColumn {
            throw ActionError("This database's schema is older than this switchyard (\(error.message)); nothing was changed. "
                              + "Run `switchyard migrate up`, then try again.")
        }
    }

    // MARK: Tasks

    private func changeTasks(_ action: OperatorAction, ids: [TaskID], actor: String) throws -> ActionReport {
        let allowed = Self.allowedStatuses(for: action)
        // The rule the router also applies (one definition, `TradeOrder`): a retry never puts back
        // an ENTRY whose trade's EXIT already ran.
        let lockQuery: Query = """
            SELECT t.id, t.status, CASE WHEN t.event_type = 'ENTRY' THEN \(TradeOrder.exitThatRan(after: "t")) END AS exit_ran
            FROM execution_tasks AS t WHERE t.id = ANY(\(ids)::int[]) ORDER BY t.id FOR UPDATE OF t
            """
        var skipped: [TaskID: SkipReason] = [:]
        var exits: [TaskID: TaskID] = [:]
        var candidates: [TaskID] = []
        var previous: [TaskID: TaskStatus] = [:]
        for row in try connection.execute(lockQuery.named("lockTasksForAction")).rows {
            let id: TaskID = try row.decode("id")
            let status: TaskStatus = try row.decode("status")
            previous[id] = status
            if !allowed.contains(status) {
                skipped[id] = .status(status)
            } else if action.isRetry, let exit = try row.decodeIfPresent("exit_ran", as: TaskID.self) {
                skipped[id] = .exitAlreadyRan
                exits[id] = exit
            } else {
                candidates.append(id)
            }
        }
        for id in ids where previous[id] == nil { skipped[id] = .notFound }
        if ids.count == 1, !action.isBulk, previous[ids[0]] == nil { throw TaskNotFound(ids[0]) }
        if ids.count == 1, !action.isBulk, let reason = skipped[ids[0]] {
            throw ActionError(Self.singleTaskMessage(action, id: ids[0], reason: reason, exit: exits[ids[0]]))
        }
        guard !candidates.isEmpty else { return ActionReport(action: action, changed: [], skipped: skipped) }

        let changed = try connection.execute(Self.update(action, candidates, allowed: allowed).named("operatorAction")).rows
            .map { (id: try $0.decode("id", as: TaskID.self), status: try $0.decode("status", as: TaskStatus.self)) }
            .sorted { $0.id < $1.id }
        var note: String?
        if !changed.isEmpty {
            let event: LogEvent
            let done: String
            switch action {
            case .retry, .retryMatching: (event, done) = (.retryRequested, "Retry requested by \(actor)")
            case .deadLetter(_, let reason): (event, done) = (.deadLettered, "Dead-lettered by \(actor): \(reason)")
            case .hold: (event, done) = (.held, "Held by \(actor)")
            default: (event, done) = (.resumed, "Resumed by \(actor)")
            }
            let texts = changed.map { task in
                let back = action.isResume && task.status != .pending ? " to \(task.status.rawValue), the state it was held from" : ""
                return String((done + back).prefix(2000)) + " (was \(previous[task.id]?.rawValue ?? "?"))."
            }
            let audit: Query = """
                INSERT INTO execution_logs (task_id, status, response_body, event, actor)
                SELECT u.id, u.status, u.body, \(event.rawValue), \(actor)
                FROM unnest(\(changed.map(\.id))::int[], \(changed.map(\.status.rawValue))::text[], \(texts)::text[])
                     AS u(id, status, body)
                """
            try connection.execute(audit.named("auditOperatorAction"))
            let backToFailed = changed.filter { $0.status == .failed }.map(\.id)
            if action.isResume, !backToFailed.isEmpty {
                let one = backToFailed.count == 1
                let limit = ActionReport.examplesPerReason
                let shown = backToFailed.prefix(limit).map(\.description).joined(separator: ", ")
                    + (backToFailed.count > limit ? ", ... (\(backToFailed.count) in all)" : "")
                note = "\(shown) back to FAILED, the state "
                    + (one ? "it was held from; retry to run it" : "they were held from; retry to run them")
            }
        }
        return ActionReport(action: action, changed: changed.map(\.id), skipped: skipped, note: note)
    }

    /// The guarded update of `action` on `ids`, returning each changed task's id and new status.
    /// Hold keeps the state it holds from (`held_from`, migration 13) and resume returns to it (a
    /// FAILED task stays finished, its `finished_at` kept); a held task from before that column
    /// resumes to PENDING. Every other change out of HELD forgets it.
    private static func update(_ action: OperatorAction, _ ids: [TaskID], allowed: [TaskStatus]) throws -> Query {
        let guarded: Query = "WHERE id = ANY(\(ids)::int[]) AND status = ANY(\(allowed.map(\.rawValue))::text[]) RETURNING id, status"
        switch action {
        case .retry, .retryMatching:
            return """
                UPDATE execution_tasks SET status = 'PENDING', available_at = now(), locked_by = NULL, locked_until = NULL,
                    finished_at = NULL, held_from = NULL, max_attempts = greatest(max_attempts, attempts + 1), updated_at = now()
                \(guarded)
                """
        case .deadLetter(_, let reason):
            return """
                UPDATE execution_tasks SET status = 'DEAD', dead_letter_reason = \(reason), dead_lettered_at = now(),
                    finished_at = now(), locked_by = NULL, locked_until = NULL, held_from = NULL, updated_at = now()
                \(guarded)
                """
        case .hold:
            return "UPDATE execution_tasks SET status = 'HELD', held_from = status, updated_at = now() \(guarded)"
        case .resume:
            return """
                UPDATE execution_tasks
                SET status = CASE WHEN held_from IN (\(statuses: allowedStatuses(for: .hold([])))) THEN held_from ELSE 'PENDING' END,
                    held_from = NULL, available_at = greatest(available_at, now()), updated_at = now()
                \(guarded)
                """
        default:
            throw ActionError("\(action.verb) is not an action on tasks.")
        }
    }

    private static func singleTaskMessage(_ action: OperatorAction, id: TaskID, reason: SkipReason, exit: TaskID?) -> String {
        switch reason {
        case .exitAlreadyRan:
            return "Cannot retry task \(id): its trade's EXIT\(exit.map { " \($0)" } ?? "") already ran, so the position "
                + "must not open again (the router would refuse it too). Dead-letter it instead."
        case .notFound:
            return "Cannot \(action.verb) task \(id): it does not exist."
        case .status(let status):
            let names = allowedStatuses(for: action).map(\.rawValue)
            let list = names.count > 1 ? names.dropLast().joined(separator: ", ") + " or " + names.last! : names.joined()
            return "Cannot \(action.verb) task \(id): it is \(status.rawValue); only \(list) tasks can be \(action.pastParticiple)."
        }
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
}

extension OperatorAction {
    /// Retry and retry-matching share the refusal rule for ENTRY tasks whose EXIT ran.
    fileprivate var isRetry: Bool {
        switch self {
        case .retry, .retryMatching: true
        default: false
        }
    }

    fileprivate var isResume: Bool {
        if case .resume = self { true } else { false }
    }

    /// True for actions chosen by a filter, where a task in another state is simply left alone.
    var isBulk: Bool {
        if case .retryMatching = self { true } else { false }
    }
}
