import FoundationEssentials

/// Schedules as operators handle them: add, change, pause, resume, run now, remove, and the
/// reads behind `schedules list|show`, `stats --json` and the dashboard's schedules view.
/// Every change runs in one transaction, writes a row in `switchyard_schedule_log` with the
/// actor, and deletes nothing (remove marks the schedule removed). Times are the database's.
///
/// Not thread-safe (it uses one connection).
public struct ScheduleBook {
    public let connection: PGConnection
    public init(connection: PGConnection) { self.connection = connection }

    /// The changes an operator can make to one schedule besides adding it.
    public enum Change: Equatable, Sendable {
        case pause, resume, runNow, remove
        /// A new timing, task or policy; nil fields are kept.
        case edit(ScheduleEdit)

        /// The audit row's action.
        public var action: String {
            switch self {
            case .pause: "PAUSE"
            case .resume: "RESUME"
            case .runNow: "RUN_NOW"
            case .remove: "REMOVE"
            case .edit: "CHANGE"
            }
        }

        /// "pause", "run now", ... for messages.
        public var verb: String {
            switch self {
            case .pause: "pause"
            case .resume: "resume"
            case .runNow: "run now"
            case .remove: "remove"
            case .edit: "change"
            }
        }
    }

    /// What `change` did: the schedule after it, and for run-now the task enqueued.
    public struct ChangeReport: Equatable, Sendable {
        public var schedule: Schedule
        public var taskID: TaskID?
        public var summary: String
    }

    // MARK: Changes

    /// The confirmation question for `change` on the schedule `name`, as it stands now.
    public func question(_ name: String, _ change: Change) throws -> String {
        let schedule = try show(name, runs: 0, history: 0).schedule
        guard schedule.removedAt == nil else { throw ScheduleError("Schedule \"\(name)\" was removed; removed schedules cannot change.") }
        switch change {
        case .pause: return "Pause schedule \(name) (\(schedule.timing))? Runs while paused are skipped."
        case .resume: return "Resume schedule \(name) (\(schedule.timing)) from its next run?"
        case .runNow: return "Run schedule \(name) now? One \(schedule.eventType.rawValue) task is enqueued at once."
        case .remove: return "Remove schedule \(name)? Its runs, tasks and history are kept."
        case .edit: return "Change schedule \(name)?"
        }
    }

    /// Adds a schedule as `actor`; its first run is the first one after the database's `now()`.
    @discardableResult
    public func add(_ new: NewSchedule, actor: String) throws -> Schedule {
        try NewSchedule.checkName(new.name)
        try Self.checkTask(eventType: new.eventType, payload: new.payload, maxAttempts: new.maxAttempts)
        return try connection.transaction { connection in
            let now = try Self.databaseNow(connection)
            guard let next = new.timing.nextRun(after: now) else {
                throw ScheduleError("\(new.timing) has no run in the next eight years.")
            }
            let insert: Query = """
                INSERT INTO switchyard_schedules (name, every_ms, cron, time_zone, event_type, payload, max_attempts,
                                                  catch_up, next_run_at, created_by)
                SELECT \(new.name), \(new.timing.everyMilliseconds), \(new.timing.cronText), \(new.timing.timeZoneIdentifier),
                       \(new.eventType.rawValue), \(new.payload)::jsonb, coalesce(\(new.maxAttempts)::int, 5),
                       \(new.catchUp.rawValue), \(next), \(actor)
                WHERE NOT EXISTS (SELECT 1 FROM switchyard_schedules WHERE name = \(new.name) AND removed_at IS NULL)
                RETURNING id
                """
            guard let id: ScheduleID = try connection.execute(insert.named("addSchedule")).first?.decode("id") else {
                throw ScheduleError("A schedule named \"\(new.name)\" already exists; pick another name, or change that one.")
            }
            let detail = "\(new.timing); \(new.eventType.rawValue) task, max attempts \(new.maxAttempts ?? 5), catch-up \(new.catchUp.rawValue); first run \(ClockZone.utc.stamp(next))."
            try audit(id, action: "ADD", actor: actor, detail: detail, on: connection)
            return try schedule(id: id, on: connection)
        }
    }

    /// Pauses, resumes, runs now, removes or edits the active schedule `name` as `actor`.
    ///
    /// - pause: no run is enqueued until resumed; runs that fall due meanwhile are skipped, not
    ///   caught up. A resume moves the next run to the first one after the resume.
    /// - run now: one task at once, as run `NAME-<now>`, besides the schedule's own runs.
    /// - remove: the schedule is marked removed (its runs, tasks and audit trail stay).
    @discardableResult
    public func change(_ name: String, _ change: Change, actor: String) throws -> ChangeReport {
        try connection.transaction { connection in
            let now = try Self.databaseNow(connection)
            let lock: Query = "SELECT id FROM switchyard_schedules WHERE name = \(name) AND removed_at IS NULL FOR UPDATE"
            guard let id: ScheduleID = try connection.execute(lock.named("lockSchedule")).first?.decode("id") else {
                throw Self.notFound(name, on: connection)
            }
            let current = try schedule(id: id, on: connection)
            var taskID: TaskID?
            let detail: String
            switch change {
            case .pause:
                guard !current.paused else { throw ScheduleError("Schedule \"\(name)\" is already paused.") }
                try update(id, "paused = true", on: connection)
                detail = "Paused; the next run was \(ClockZone.utc.stamp(current.nextRunAt))."
            case .resume:
                guard current.paused else { throw ScheduleError("Schedule \"\(name)\" is not paused.") }
                let next = current.timing.nextRun(after: now) ?? .distantFuture
                try update(id, "paused = false, next_run_at = \(next)", on: connection)
                detail = "Resumed; next run \(ClockZone.utc.stamp(next)) (runs while paused are not caught up)."
            case .runNow:
                let tradeID = NewSchedule.tradeID(name: name, runAt: now)
                let query: Query = """
                    WITH run AS (
                        INSERT INTO switchyard_schedule_runs (schedule_id, run_at, outcome, router_id)
                        VALUES (\(id), \(now), 'RUN_NOW', NULL) RETURNING schedule_id)
                    INSERT INTO execution_tasks (trade_id, event_type, payload, max_attempts, schedule_id)
                    SELECT \(tradeID), s.event_type, s.payload, s.max_attempts, s.id
                    FROM switchyard_schedules AS s JOIN run ON run.schedule_id = s.id
                    RETURNING id
                    """
                taskID = try connection.execute(query.named("runScheduleNow")).first?.decode("id")
                try update(id, "last_run_at = greatest(last_run_at, \(now))", on: connection)
                detail = "Ran now: task \(taskID.map { "\($0.rawValue)" } ?? "?"), trade \(tradeID)."
            case .remove:
                try update(id, "removed_at = now()", on: connection)
                detail = "Removed; its runs, tasks and history are kept."
            case .edit(let edit):
                detail = try apply(edit, to: current, now: now, on: connection)
            }
            try audit(id, action: change.action, actor: actor, detail: detail, on: connection)
            return ChangeReport(schedule: try schedule(id: id, on: connection), taskID: taskID, summary: detail)
        }
    }

    private func apply(_ edit: ScheduleEdit, to current: Schedule, now: Date, on connection: PGConnection) throws -> String {
        guard !edit.isEmpty else { throw ScheduleError("Nothing to change: give a new timing, task or catch-up policy.") }
        let eventType = edit.eventType ?? current.eventType
        let payload = edit.payload ?? current.payload
        try Self.checkTask(eventType: eventType, payload: payload, maxAttempts: edit.maxAttempts ?? current.maxAttempts)
        let timing = edit.timing ?? current.timing
        let next = edit.timing == nil ? current.nextRunAt : (timing.nextRun(after: now) ?? .distantFuture)
        let assignments: Query = """
            every_ms = \(timing.everyMilliseconds), cron = \(timing.cronText), time_zone = \(timing.timeZoneIdentifier),
            event_type = \(eventType.rawValue), payload = \(payload)::jsonb,
            max_attempts = \(edit.maxAttempts ?? current.maxAttempts), catch_up = \((edit.catchUp ?? current.catchUp).rawValue),
            next_run_at = \(next)
            """
        try update(current.id, assignments, on: connection)
        var changes: [String] = []
        if let new = edit.timing, new != current.timing { changes.append("\(current.timing) -> \(new), next run \(ClockZone.utc.stamp(next))") }
        if eventType != current.eventType { changes.append("event type \(current.eventType.rawValue) -> \(eventType.rawValue)") }
        if edit.payload != nil, payload != current.payload { changes.append("payload \(current.payload) -> \(payload)") }
        if let attempts = edit.maxAttempts, attempts != current.maxAttempts { changes.append("max attempts \(current.maxAttempts) -> \(attempts)") }
        if let policy = edit.catchUp, policy != current.catchUp { changes.append("catch-up \(current.catchUp.rawValue) -> \(policy.rawValue)") }
        return changes.isEmpty ? "Changed nothing (the values given were the current ones)." : "Changed " + changes.joined(separator: "; ") + "."
    }

    private func update(_ id: ScheduleID, _ assignments: Query, on connection: PGConnection) throws {
        let query: Query = "UPDATE switchyard_schedules SET \(assignments), updated_at = now() WHERE id = \(id)"
        try connection.execute(query.named("changeSchedule"))
    }

    private func audit(_ id: ScheduleID, action: String, actor: String, detail: String, on connection: PGConnection) throws {
        let query: Query = """
            INSERT INTO switchyard_schedule_log (schedule_id, action, actor, detail) VALUES (\(id), \(action), \(actor), \(detail))
            """
        try connection.execute(query.named("auditSchedule"))
    }

    /// The task each run enqueues is checked as `enqueue` checks one.
    static func checkTask(eventType: EventType, payload: String, maxAttempts: Int?) throws {
        if let maxAttempts, maxAttempts < 1 { throw ScheduleError("Max attempts must be 1 or more; it is \(maxAttempts).") }
        _ = try TaskPayload.parse(payload, eventType: eventType)
    }

    /// The database's `now()`: the clock every time between machines is read from.
    public static func databaseNow(_ connection: PGConnection) throws -> Date {
        try connection.execute(Query("SELECT now() AS now").named("databaseNow")).first!.decode("now")
    }

    private static func notFound(_ name: String, on connection: PGConnection) -> ScheduleError {
        let removed: Query = "SELECT count(*) AS n FROM switchyard_schedules WHERE name = \(name)"
        if let count = try? connection.execute(removed.named("removedSchedules")).first?.decode("n", as: Int.self), count > 0 {
            return ScheduleError("Schedule \"\(name)\" was removed; removed schedules cannot change.")
        }
        return ScheduleError("No schedule is named \"\(name)\".")
    }

    // MARK: Reads

    /// Every schedule with its figures: active ones by next run, then paused, then (when asked)
    /// removed ones.
    public func list(includeRemoved: Bool = false) throws -> [Schedule] {
        try schedules(where: includeRemoved ? "true" : "s.removed_at IS NULL").sorted(by: Schedule.displayOrder)
    }

    /// The schedule `name` (the active one, else the most recently removed one of that name).
    public func show(_ name: String, runs: Int = 20, history: Int = 20) throws -> (schedule: Schedule, runs: [ScheduleRun], history: [ScheduleLogEntry]) {
        let found = try schedules(where: "s.name = \(name)").sorted { ($0.removedAt ?? .distantFuture) > ($1.removedAt ?? .distantFuture) }
        guard let schedule = found.first else { throw ScheduleError("No schedule is named \"\(name)\".") }
        let runsQuery: Query = """
            SELECT r.schedule_id, r.run_at, r.outcome, r.router_id, r.created_at, t.id AS task_id, t.status AS task_status
            FROM switchyard_schedule_runs AS r
            LEFT JOIN LATERAL (SELECT t.id, t.status FROM execution_tasks AS t
                               WHERE t.schedule_id = r.schedule_id AND t.trade_id = \(schedule.name) || '-' ||
                                     to_char(r.run_at AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS"Z"')
                                     AND r.outcome <> 'MISSED'
                               ORDER BY t.id LIMIT 1) AS t ON true
            WHERE r.schedule_id = \(schedule.id) ORDER BY r.run_at DESC LIMIT \(runs)
            """
        let recent = try connection.execute(runsQuery.named("scheduleRuns")).rows.map { row in
            ScheduleRun(scheduleID: try row.decode("schedule_id"), runAt: try row.decode("run_at"),
                        outcome: ScheduleRun.Outcome(rawValue: try row.decode("outcome")) ?? .enqueued,
                        taskID: try row.decodeIfPresent("task_id"), taskStatus: try row.decodeIfPresent("task_status"),
                        routerID: try row.decodeIfPresent("router_id"), createdAt: try row.decodeIfPresent("created_at"))
        }
        let logQuery: Query = """
            SELECT action, actor, detail, created_at FROM switchyard_schedule_log
            WHERE schedule_id = \(schedule.id) ORDER BY id DESC LIMIT \(history)
            """
        let log = try connection.execute(logQuery.named("scheduleHistory")).rows.map { row in
            ScheduleLogEntry(action: try row.decode("action"), actor: try row.decode("actor"),
                             detail: try row.decodeIfPresent("detail"), createdAt: try row.decode("created_at"))
        }
        return (schedule, recent, log)
    }

    func schedule(id: ScheduleID, on connection: PGConnection) throws -> Schedule {
        guard let found = try schedules(where: "s.id = \(id)", on: connection).first else {
            throw ScheduleError("Schedule \(id) does not exist.")
        }
        return found
    }

    /// Schedules matching `condition` (a trusted fragment, parameters inside), with figures over
    /// each one's most recent tasks (the (schedule_id, id) index walks them newest first).
    func schedules(where condition: Query, on connection: PGConnection? = nil) throws -> [Schedule] {
        let query: Query = """
            SELECT s.id, s.name, s.every_ms, s.cron, s.time_zone, s.event_type, s.payload::text AS payload, s.max_attempts,
                   s.catch_up, s.paused, s.next_run_at, s.last_run_at, s.created_at, s.created_by, s.removed_at,
                   f.tasks, f.successes, f.errors, f.unfinished, f.average_ms,
                   (SELECT count(*) FROM switchyard_schedule_runs AS r WHERE r.schedule_id = s.id AND r.outcome = 'MISSED') AS missed
            FROM switchyard_schedules AS s
            CROSS JOIN LATERAL (
                SELECT count(*) AS tasks,
                       count(*) FILTER (WHERE t.status = 'SUCCESS') AS successes,
                       count(*) FILTER (WHERE t.status IN ('FAILED', 'DEAD')) AS errors,
                       count(*) FILTER (WHERE t.status IN (\(statuses: TaskStatus.unfinished))) AS unfinished,
                       avg(extract(epoch FROM t.finished_at - t.last_attempt_at::timestamptz) * 1000)
                           FILTER (WHERE t.finished_at IS NOT NULL AND t.last_attempt_at IS NOT NULL) AS average_ms
                FROM (SELECT t.status, t.finished_at, t.last_attempt_at FROM execution_tasks AS t
                      WHERE t.schedule_id = s.id ORDER BY t.id DESC LIMIT \(ScheduleFigures.window)) AS t) AS f
            WHERE \(condition)
            """
        return try (connection ?? self.connection).execute(query.named("schedules")).rows.map(Self.schedule(from:))
    }

    static func schedule(from row: Row) throws -> Schedule {
        var figures = ScheduleFigures()
        figures.tasks = try row.decode("tasks")
        figures.successes = try row.decode("successes")
        figures.errors = try row.decode("errors")
        figures.unfinished = try row.decode("unfinished")
        figures.averageExecutionMilliseconds = try row.decodeIfPresent("average_ms")
        figures.missed = try row.decode("missed")
        return Schedule(
            id: try row.decode("id"), name: try row.decode("name"),
            timing: try ScheduleTiming.stored(everyMilliseconds: row.decodeIfPresent("every_ms"), cron: row.decodeIfPresent("cron"),
                                              timeZone: row.decode("time_zone")),
            eventType: try row.decode("event_type"), payload: try row.decode("payload"), maxAttempts: try row.decode("max_attempts"),
            catchUp: CatchUpPolicy(rawValue: try row.decode("catch_up")) ?? .latest, paused: try row.decode("paused"),
            nextRunAt: try row.decode("next_run_at"), lastRunAt: try row.decodeIfPresent("last_run_at"),
            createdAt: try row.decode("created_at"), createdBy: try row.decode("created_by"),
            removedAt: try row.decodeIfPresent("removed_at"), figures: figures)
    }
}

/// New values for a schedule; nil keeps the current one.
public struct ScheduleEdit: Equatable, Sendable {
    public var timing: ScheduleTiming?
    public var eventType: EventType?
    public var payload: String?
    public var maxAttempts: Int?
    public var catchUp: CatchUpPolicy?
    public init(timing: ScheduleTiming? = nil, eventType: EventType? = nil, payload: String? = nil,
                maxAttempts: Int? = nil, catchUp: CatchUpPolicy? = nil) {
        (self.timing, self.eventType, self.payload, self.maxAttempts, self.catchUp) = (timing, eventType, payload, maxAttempts, catchUp)
    }
    var isEmpty: Bool { timing == nil && eventType == nil && payload == nil && maxAttempts == nil && catchUp == nil }
}
