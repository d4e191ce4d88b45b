import Foundation

/// A task a router holds under lease, as the claim returned it.
public struct ClaimedTask: Sendable, Equatable {
    public var id: TaskID
    public var tradeID: String
    public var eventType: EventType
    public var payload: String?
    /// Attempts including this one.
    public var attempts: Int
    public var maxAttempts: Int
    /// Accounts that already accepted this task in an earlier attempt: never sent again.
    public var acceptedAccounts: Set<String>
    /// For an EXIT: accounts that accepted the trade's earlier ENTRY (the positions to close).
    public var entryAcceptedAccounts: Set<String>
}

/// One audit row a router writes for an attempt: one per account result, or one for the task.
public struct AttemptLog: Sendable, Equatable {
    public enum Status: String, Sendable { case success = "SUCCESS", failed = "FAILED", skipped = "SKIPPED" }
    public var taskID: TaskID
    public var account: String?
    public var status: Status
    public var responseCode: Int?
    public var message: String
    public var durationMilliseconds: Int?
    public init(taskID: TaskID, account: String?, status: Status, responseCode: Int?, message: String,
                durationMilliseconds: Int? = nil) {
        (self.taskID, self.account, self.status, self.responseCode, self.message, self.durationMilliseconds) =
            (taskID, account, status, responseCode, message, durationMilliseconds)
    }
}

/// How an attempt ended for the task as a whole.
public struct TaskOutcome: Sendable, Equatable {
    public enum Result: Sendable, Equatable {
        case succeeded
        /// Worth another attempt (an account rejected or timed out).
        case failed(String)
        /// Never worth another attempt (the payload cannot be routed): FAILED at once.
        case failedPermanently(String)
    }
    public var taskID: TaskID
    public var result: Result
    public var logs: [AttemptLog]
    public init(taskID: TaskID, result: Result, logs: [AttemptLog]) {
        (self.taskID, self.result, self.logs) = (taskID, result, logs)
    }
}

/// Capped exponential backoff with jitter between attempts of one task.
public struct RetryPolicy: Sendable, Equatable {
    public var base: Duration
    public var cap: Duration
    /// 0.5 means a delay anywhere from half to the whole of the computed one.
    public var jitter: Double
    public static let `default` = RetryPolicy(base: .seconds(1), cap: .seconds(300), jitter: 0.5)
    public init(base: Duration, cap: Duration, jitter: Double) {
        (self.base, self.cap, self.jitter) = (base, cap, jitter)
    }

    /// The wait before the next attempt after `attempts` failed ones (1 = the first failed).
    public func delay(afterAttempt attempts: Int, random: Double = Double.random(in: 0...1)) -> TimeInterval {
        let base = Double(self.base.components.seconds) + Double(self.base.components.attoseconds) / 1e18
        let cap = Double(self.cap.components.seconds) + Double(self.cap.components.attoseconds) / 1e18
        let full = min(cap, base * pow(2, Double(min(max(attempts - 1, 0), 30))))
        return full * (1 - jitter * random)
    }
}

/// What a batch completion did.
public struct CompletionReport: Sendable, Equatable {
    public var succeeded: [TaskID] = []
    public var retrying: [TaskID] = []
    public var failed: [TaskID] = []
    /// Tasks no longer RUNNING under this router (dead-lettered, or rescued after the lease):
    /// their account results were still recorded, their status left alone.
    public var lost: [TaskID] = []
    /// Accepted results already recorded for that task and account (never a second order).
    public var duplicateAcceptances = 0
}

/// The queue operations on `execution_tasks`: enqueue, claim, complete, lease upkeep and rescue.
/// Every state change is guarded by the state it expects.
public struct TaskQueue {
    public let connection: PGConnection
    public init(connection: PGConnection) { self.connection = connection }

    // MARK: Enqueue

    /// Adds one task; returns its id.
    @discardableResult
    public func enqueue(_ task: NewTask) throws -> TaskID {
        try enqueue([task])[0]
    }

    /// Adds many tasks in one round trip; returns their ids in the same order.
    @discardableResult
    public func enqueue(_ tasks: [NewTask]) throws -> [TaskID] {
        guard !tasks.isEmpty else { return [] }
        let query: Query = """
            INSERT INTO execution_tasks (trade_id, event_type, payload, max_attempts)
            SELECT u.trade_id, u.event_type, u.payload::jsonb, coalesce(u.max_attempts, 5)
            FROM unnest(\(tasks.map(\.tradeID))::text[], \(tasks.map(\.eventType.rawValue))::text[],
                        \(tasks.map(\.payload))::text[], \(tasks.map(\.maxAttempts))::int[])
                 WITH ORDINALITY AS u(trade_id, event_type, payload, max_attempts, position)
            ORDER BY u.position
            RETURNING id
            """
        let rows = try connection.execute(query.named("enqueueTasks")).rows
        return try rows.map { try $0.decode("id", as: TaskID.self) }.sorted()
    }

    // MARK: Claim

    /// Prepares a router's session for claims: bitmap scans and JIT compilation off.
    ///
    /// On a table whose statistics are stale (a fresh queue hit by a burst, before autovacuum
    /// analyzes it), the planner otherwise reads every eligible task, sorts them and checks the
    /// EXIT-after-ENTRY rule for each (seconds per claim at 20,000 tasks) instead of walking the
    /// claimable index in order and stopping after `limit` rows (well under a millisecond).
    /// The same stale estimates push the claim's cost past `jit_above_cost`: JIT then compiles
    /// it for 30 to 1,000 ms per claim, for a statement that runs in about one.
    public func prepareSessionForClaims() throws {
        try connection.execute(Query("SET enable_bitmapscan = off", parameters: [], name: "prepareSessionForClaims"))
        try connection.execute(Query("SET jit = off", parameters: [], name: "prepareSessionForClaims"))
    }

    /// Claims up to `limit` eligible tasks in one statement: RUNNING, leased to `routerID` until
    /// `now + lease`, attempts + 1. Skips paused event types (or everything under a global pause),
    /// and an EXIT while an earlier ENTRY of its trade is unfinished.
    ///
    /// Accounts that already accepted are looked up only from the second attempt on: an
    /// acceptance is recorded only by a written attempt, which `attempts` already counts. The
    /// lookups start from the task's own id and its trade's ENTRY ids (`OFFSET 0` keeps the
    /// planner from turning that around into a scan of every acceptance, which it chose on a
    /// queue not yet analyzed: seconds per claim at 10,000 tasks).
    public func claim(limit: Int, routerID: String, lease: Duration, now: Date = Date()) throws -> [ClaimedTask] {
        guard limit > 0 else { return [] }
        let leaseEnd = now.addingTimeInterval(lease.seconds)
        let query: Query = """
            UPDATE execution_tasks AS t
            SET status = 'RUNNING', attempts = t.attempts + 1, last_attempt_at = NOW(), updated_at = NOW(),
                locked_by = \(routerID), locked_until = \(leaseEnd)
            FROM (SELECT c.id FROM execution_tasks AS c
                  WHERE c.status IN ('PENDING', 'RETRYING') AND c.available_at <= \(now)
                    AND NOT (SELECT global_paused FROM switchyard_control WHERE id = 1)
                    AND c.event_type <> ALL ((SELECT paused_event_types FROM switchyard_control WHERE id = 1)::text[])
                    AND (c.event_type <> 'EXIT' OR NOT EXISTS (
                         SELECT 1 FROM execution_tasks AS e
                         WHERE e.trade_id = c.trade_id AND e.event_type = 'ENTRY' AND e.id < c.id
                           AND e.status IN ('PENDING', 'RUNNING', 'RETRYING', 'HELD')))
                  ORDER BY c.available_at, c.id
                  LIMIT \(limit) FOR UPDATE SKIP LOCKED) AS claimable
            WHERE t.id = claimable.id
            RETURNING t.id, t.trade_id, t.event_type, t.payload::text AS payload, t.attempts, t.max_attempts,
                CASE WHEN t.attempts > 1 THEN to_json(ARRAY(
                    SELECT l.account FROM execution_logs AS l
                    WHERE l.task_id = t.id AND l.event = 'ATTEMPT' AND l.status = 'SUCCESS' AND l.account IS NOT NULL))::text
                END AS accepted,
                CASE WHEN t.event_type = 'EXIT' THEN to_json(ARRAY(
                    SELECT DISTINCT l.account
                    FROM (SELECT e.id FROM execution_tasks AS e
                          WHERE e.trade_id = t.trade_id AND e.event_type = 'ENTRY' AND e.id < t.id OFFSET 0) AS entry
                    CROSS JOIN LATERAL (SELECT l.account FROM execution_logs AS l
                                        WHERE l.task_id = entry.id AND l.event = 'ATTEMPT' AND l.status = 'SUCCESS'
                                          AND l.account IS NOT NULL OFFSET 0) AS l))::text
                END AS entry_accepted
            """
        let rows = try connection.execute(query.named("claimAvailableTasks")).rows
        return try rows.map { row in
            ClaimedTask(id: try row.decode("id"), tradeID: try row.decode("trade_id"),
                        eventType: try row.decode("event_type"), payload: try row.decodeIfPresent("payload"),
                        attempts: try row.decode("attempts"), maxAttempts: try row.decode("max_attempts"),
                        acceptedAccounts: Self.stringSet(row["accepted"]),
                        entryAcceptedAccounts: Self.stringSet(row["entry_accepted"]))
        }.sorted { $0.id < $1.id }
    }

    // MARK: Complete

    /// Writes a batch of outcomes in one transaction: every account result as an audit row, then
    /// each task's new status, guarded by `status = 'RUNNING' AND locked_by = routerID`.
    /// A failed attempt goes to RETRYING with backoff, or FAILED when its attempts are used up.
    public func complete(_ outcomes: [TaskOutcome], claimed: [TaskID: ClaimedTask], routerID: String,
                         retryPolicy: RetryPolicy = .default, now: Date = Date()) throws -> CompletionReport {
        guard !outcomes.isEmpty else { return CompletionReport() }
        var ids: [TaskID] = [], statuses: [String] = [], errors: [String?] = [], availableAt: [Date?] = []
        var planned: [TaskID: TaskStatus] = [:]
        for outcome in outcomes {
            let attempts = claimed[outcome.taskID]?.attempts ?? 1
            let maxAttempts = claimed[outcome.taskID]?.maxAttempts ?? 1
            let status: TaskStatus, error: String?, next: Date?
            switch outcome.result {
            case .succeeded:
                (status, error, next) = (.success, nil, nil)
            case .failedPermanently(let reason):
                (status, error, next) = (.failed, reason, nil)
            case .failed(let reason) where attempts >= maxAttempts:
                (status, error, next) = (.failed, "\(reason) (attempt \(attempts) of \(maxAttempts); none left)", nil)
            case .failed(let reason):
                (status, error, next) = (.retrying, reason, now.addingTimeInterval(retryPolicy.delay(afterAttempt: attempts)))
            }
            ids.append(outcome.taskID)
            statuses.append(status.rawValue)
            errors.append(error)
            availableAt.append(next)
            planned[outcome.taskID] = status
        }
        let logs = outcomes.flatMap(\.logs)
        return try connection.transaction { connection in
            var report = CompletionReport()
            if !logs.isEmpty {
                let inserted = try connection.execute(Self.insertAttemptLogs(logs, routerID: routerID)).affectedRows
                report.duplicateAcceptances = logs.count - inserted
            }
            let update: Query = """
                UPDATE execution_tasks AS t
                SET status = r.status, last_error = r.last_error, available_at = coalesce(r.available_at, t.available_at),
                    locked_by = NULL, locked_until = NULL, updated_at = NOW(),
                    finished_at = CASE WHEN r.status IN ('SUCCESS', 'FAILED') THEN \(now)::timestamptz END
                FROM unnest(\(ids)::int[], \(statuses)::text[], \(errors)::text[], \(availableAt)::timestamptz[])
                     AS r(id, status, last_error, available_at)
                WHERE t.id = r.id AND t.status = 'RUNNING' AND t.locked_by = \(routerID)
                RETURNING t.id
                """
            let updated = Set(try connection.execute(update.named("completeTasks")).rows.map { try $0.decode("id", as: TaskID.self) })
            for id in ids {
                guard updated.contains(id) else { report.lost.append(id); continue }
                switch planned[id] {
                case .success?: report.succeeded.append(id)
                case .retrying?: report.retrying.append(id)
                default: report.failed.append(id)
                }
            }
            return report
        }
    }

    static func insertAttemptLogs(_ logs: [AttemptLog], routerID: String) -> Query {
        let query: Query = """
            INSERT INTO execution_logs (task_id, status, response_code, response_body, event, account, router_id, actor, duration_ms)
            SELECT u.task_id, u.status, u.code, u.body, 'ATTEMPT', u.account, \(routerID), \(routerID), u.duration
            FROM unnest(\(logs.map(\.taskID))::int[], \(logs.map(\.status.rawValue))::text[], \(logs.map(\.responseCode))::int[],
                        \(logs.map(\.message))::text[], \(logs.map(\.account))::text[], \(logs.map(\.durationMilliseconds))::int[])
                 AS u(task_id, status, code, body, account, duration)
            ON CONFLICT (task_id, account) WHERE event = 'ATTEMPT' AND status = 'SUCCESS' DO NOTHING
            """
        return query.named("insertAttemptLogs")
    }

    // MARK: Leases

    /// Pushes the lease of the tasks `ids` that `routerID` still holds to `now + lease`.
    ///
    /// SKIP LOCKED: a task whose row is locked is being written back by its claim loop right
    /// now (it needs no longer lease), and waiting for it, rows locked in another order than
    /// the write-back's, is how the two deadlocked.
    @discardableResult
    public func extendLeases(_ ids: [TaskID], routerID: String, lease: Duration, now: Date = Date()) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let query: Query = """
            UPDATE execution_tasks AS t SET locked_until = \(now.addingTimeInterval(lease.seconds))
            FROM (SELECT id FROM execution_tasks
                  WHERE id = ANY(\(ids)::int[]) AND status = 'RUNNING' AND locked_by = \(routerID)
                  ORDER BY id FOR UPDATE SKIP LOCKED) AS mine
            WHERE t.id = mine.id
            """
        return try connection.execute(query.named("extendLeases")).affectedRows
    }

    /// Takes back tasks whose lease expired before `now` (their router died): RETRYING, or FAILED
    /// when no attempts are left, each logged RECOVERED with the dead router's id.
    @discardableResult
    public func rescueExpired(by rescuer: String, now: Date = Date(), limit: Int = 1000) throws -> [TaskID] {
        let query: Query = """
            WITH expired AS (
                SELECT id, locked_by FROM execution_tasks
                WHERE status = 'RUNNING' AND locked_until < \(now)
                ORDER BY locked_until LIMIT \(limit) FOR UPDATE SKIP LOCKED),
            moved AS (
                UPDATE execution_tasks AS t
                SET status = CASE WHEN t.attempts >= t.max_attempts THEN 'FAILED' ELSE 'RETRYING' END,
                    available_at = \(now), locked_by = NULL, locked_until = NULL, updated_at = NOW(),
                    finished_at = CASE WHEN t.attempts >= t.max_attempts THEN \(now)::timestamptz END,
                    last_error = 'The lease of router ' || coalesce(e.locked_by, '?') || ' expired (it stopped heartbeating); taken back.'
                FROM expired AS e
                WHERE t.id = e.id AND t.status = 'RUNNING'
                RETURNING t.id, t.status, e.locked_by)
            INSERT INTO execution_logs (task_id, status, response_body, event, router_id, actor)
            SELECT id, status, 'Lease of router ' || coalesce(locked_by, '?') || ' expired; taken back by ' || \(rescuer) || '.',
                   'RECOVERED', locked_by, \(rescuer)
            FROM moved
            RETURNING task_id
            """
        return try connection.execute(query.named("rescueExpiredLeases")).rows.map { try $0.decode("task_id", as: TaskID.self) }.sorted()
    }

    /// Puts back tasks `routerID` still holds (a stop that could not finish them): RETRYING,
    /// available now, the unfinished attempt not counted.
    @discardableResult
    public func release(routerID: String, now: Date = Date()) throws -> [TaskID] {
        let query: Query = """
            UPDATE execution_tasks
            SET status = 'RETRYING', attempts = greatest(attempts - 1, 0), available_at = \(now),
                locked_by = NULL, locked_until = NULL, updated_at = NOW()
            WHERE status = 'RUNNING' AND locked_by = \(routerID)
            RETURNING id
            """
        return try connection.execute(query.named("releaseTasks")).rows.map { try $0.decode("id", as: TaskID.self) }.sorted()
    }

    /// The earliest `available_at` of a waiting task, so an idle router sleeps no longer than that.
    public func nextAvailableAt() throws -> Date? {
        let query: Query = "SELECT min(available_at) AS next FROM execution_tasks WHERE status IN ('PENDING', 'RETRYING')"
        return try connection.execute(query.named("nextAvailableAt")).first?.decodeIfPresent("next")
    }

    static func stringSet(_ json: String?) -> Set<String> {
        guard let json, case .array(let items)? = try? ParsedJSON.parse(json) else { return [] }
        return Set(items.compactMap { if case .string(let text) = $0 { text } else { nil } })
    }
}

extension Duration {
    /// The duration in (fractional) seconds, as a `TimeInterval`.
    public var seconds: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
