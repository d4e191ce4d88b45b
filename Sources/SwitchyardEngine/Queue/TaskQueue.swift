import FoundationEssentials

/// The queue operations on `execution_tasks`: enqueue, claim, complete, lease upkeep and rescue.
/// Every state change is guarded by the state it expects, and every time they compare or write
/// is the database's `now()`: routers on machines whose clocks disagree never take each other's
/// tasks nor sit idle.
public struct TaskQueue {
    public let connection: PGConnection
    public init(connection: PGConnection) { self.connection = connection }

    // MARK: Enqueue

    /// Adds one task; returns its id.
    @discardableResult
    public func enqueue(_ task: NewTask) throws -> TaskID {
        try enqueue([task])[0]
    }

    /// Adds many tasks in one round trip; returns their ids in the same order. A task with a
    /// `start` waits until then (SCHEDULED); a start time not in the future by the database's
    /// clock is refused with `ScheduleError`, and nothing is enqueued.
    @discardableResult
    public func enqueue(_ tasks: [NewTask]) throws -> [TaskID] {
        guard !tasks.isEmpty else { return [] }
        var times: [Date?] = [], delays: [Int64?] = []
        for task in tasks {
            switch task.start {
            case .at(let time)?: times.append(time); delays.append(nil)
            case .after(let delay)?: times.append(nil); delays.append(Int64(delay.milliseconds))
            case nil: times.append(nil); delays.append(nil)
            }
        }
        if let earliest = times.compactMap({ $0 }).min() {
            let now = try ScheduleBook.databaseNow(connection)
            guard earliest > now else {
                throw ScheduleError("The start time \(ClockZone.utc.stamp(earliest)) is not in the future by the database's clock (now \(ClockZone.utc.stamp(now))); nothing was enqueued.")
            }
        }
        let query: Query = """
            INSERT INTO execution_tasks (trade_id, event_type, payload, max_attempts, available_at)
            SELECT u.trade_id, u.event_type, u.payload::jsonb, coalesce(u.max_attempts, 5),
                   coalesce(u.start_at, now() + coalesce(u.delay_ms, 0) * interval '1 millisecond')
            FROM unnest(\(tasks.map(\.tradeID))::text[], \(tasks.map(\.eventType.rawValue))::text[],
                        \(tasks.map(\.payload))::text[], \(tasks.map(\.maxAttempts))::int[],
                        \(times)::timestamptz[], \(delays)::bigint[])
                 WITH ORDINALITY AS u(trade_id, event_type, payload, max_attempts, start_at, delay_ms, position)
            ORDER BY u.position
            RETURNING id
            """
        let rows = try connection.execute(query.named("enqueueTasks")).rows
        return try rows.map { try $0.decode("id", as: TaskID.self) }.sorted()
    }

    // MARK: Claim

    /// Prepares a router's session for claims and completions: bitmap scans, sequential scans
    /// and sorts (where an index serves) and JIT compilation off.
    ///
    /// Statistics taken in the middle of a drain (autoanalyze runs when it likes) told the
    /// planner that few tasks wait; with a new burst queued it then read every eligible task
    /// through the (status, ...) indexes and sorted them all for each claim of 1,000 (190 ms
    /// instead of 25, the whole queue at half speed until the next analyze). With sorts off,
    /// the claim always walks the claimable index in order and stops at its limit.
    ///
    /// On a table whose statistics are stale (a fresh queue hit by a burst, before autovacuum
    /// analyzes it), the planner otherwise reads every eligible task, sorts them and checks the
    /// EXIT-after-ENTRY rule for each (seconds per claim at 20,000 tasks) instead of walking the
    /// claimable index in order and stopping after `limit` rows (well under a millisecond).
    /// On a table of some hundred thousand rows it also prefers to find a completion's 500
    /// tasks by hashing a scan of the whole table (milliseconds per batch, growing with the
    /// table) over 500 primary-key lookups. Every statement of this session has an index that
    /// serves it, so sequential scans are only a last resort here.
    /// The same stale estimates push the claim's cost past `jit_above_cost`: JIT then compiles
    /// it for 30 to 1,000 ms per claim, for a statement that runs in about one.
    /// Every statement is planned for its own values (no cached generic plan): a plan made while
    /// the audit trail was empty would otherwise scan all of it for every EXIT once it is not.
    public func prepareSessionForClaims() throws {
        for setting in ["enable_bitmapscan = off", "enable_seqscan = off", "enable_sort = off", "jit = off"] {
            try connection.execute(Query("SET \(unescaped: setting)").named("prepareSessionForClaims"))
        }
    }

    /// Claims up to `limit` eligible tasks in one statement: RUNNING, leased to `routerID` until
    /// the server's `now()` plus `lease`, attempts + 1. `last_attempt_at` is `clock_timestamp()`,
    /// read after the statement's snapshot: `now()` is when the transaction began, which can be
    /// before the commit of the ENTRY whose completion made an EXIT claimable. Skips paused
    /// event types (or everything under a global pause), and an EXIT while an earlier ENTRY of
    /// its trade is unfinished.
    ///
    /// Then, in a second statement, what routing needs to know beyond the task itself: for an
    /// ENTRY, whether its trade's EXIT already ran (`ClaimedTask.exitThatRan`: the router
    /// refuses it, however the ENTRY came back); for an EXIT, the accounts that accepted its
    /// trade's ENTRY; and for a task attempted before (a retry, or one put back by SQL with its
    /// attempts reset, which its earlier `last_attempt_at` still shows), the accounts that
    /// already accepted it. The task holds the lease, so nobody else records an attempt of it
    /// meanwhile, and an EXIT's ENTRY is finished. The lookups start from the task's own id and
    /// its trade's ids (`OFFSET 0` keeps the planner from turning that around into a scan of
    /// every acceptance, which it chose on a queue not yet analyzed: seconds per claim at
    /// 10,000 tasks).
    public func claim(limit: Int, routerID: String, lease: Duration) throws -> [ClaimedTask] {
        guard limit > 0 else { return [] }
        let query = Self.claimQuery(limit: limit, routerID: routerID, lease: lease)
        var attemptedBefore: Set<TaskID> = []
        var claimed = try connection.execute(query).rows.map { row in
            let task = ClaimedTask(id: try row.decode("id"), tradeID: try row.decode("trade_id"),
                                   eventType: try row.decode("event_type"), payload: try row.decodeIfPresent("payload"),
                                   attempts: try row.decode("attempts"), maxAttempts: try row.decode("max_attempts"),
                                   acceptedAccounts: [], entryAcceptedAccounts: [], exitThatRan: nil)
            let attempted: Bool = try row.decode("attempted_before")
            if task.attempts > 1 || attempted { attemptedBefore.insert(task.id) }
            return task
        }.sorted { $0.id < $1.id }
        let lookups = claimed.filter { $0.eventType == .entry || $0.eventType == .exit || attemptedBefore.contains($0.id) }.map(\.id)
        guard !lookups.isEmpty else { return claimed }
        var found: [TaskID: (accepted: Set<String>, entry: Set<String>, exit: TaskID?)] = [:]
        let lookupQuery = Self.acceptedAccountsQuery(lookups, attemptedBefore: lookups.map(attemptedBefore.contains))
        for row in try connection.execute(lookupQuery).rows {
            found[try row.decode("id")] = (Self.stringSet(row["accepted"]), Self.stringSet(row["entry_accepted"]),
                                          try row.decodeIfPresent("exit_ran"))
        }
        for index in claimed.indices {
            guard let lookup = found[claimed[index].id] else { continue }
            claimed[index].acceptedAccounts = lookup.accepted
            claimed[index].entryAcceptedAccounts = lookup.entry
            claimed[index].exitThatRan = lookup.exit
        }
        return claimed
    }

    // MARK: Complete

    /// Writes a batch of outcomes in one statement: every account result as an audit row, and
    /// each task's new status. A failed attempt goes to RETRYING with backoff (from the server's
    /// `now()`; the outcome's `retryNotBefore` instead when a broker said how long to
    /// wait), or FAILED when its attempts are used up; a payload no account can take and an
    /// ENTRY refused because its trade's EXIT already ran go to FAILED at once.
    ///
    /// A task is written only while it is still this claim's: leased to `routerID` with the
    /// attempt number the claim gave it (`locked_by` is set only while a task is RUNNING, and
    /// every other change clears it). Others (dead-lettered, or rescued after the lease and
    /// claimed again) are reported `lost`; their account results are still recorded.
    ///
    /// The plan cannot go quadratic whatever the statistics say: the update finds its rows by
    /// primary key only (no status condition that a partial index on RUNNING could serve and
    /// that stale statistics would estimate at one row, making the batch the inner side of a
    /// nested loop).
    public func complete(_ outcomes: [TaskOutcome], claimed: [TaskID: ClaimedTask], routerID: String,
                         retryPolicy: RetryPolicy = .default) throws -> CompletionReport {
        guard !outcomes.isEmpty else { return CompletionReport() }
        var ids: [TaskID] = [], attempts: [Int] = [], statuses: [String] = [], errors: [String?] = []
        var delays: [Int?] = []
        var planned: [TaskID: TaskStatus] = [:]
        var refused: Set<TaskID> = []
        for outcome in outcomes {
            let attempt = claimed[outcome.taskID]?.attempts ?? 0
            let maxAttempts = claimed[outcome.taskID]?.maxAttempts ?? 1
            let status: TaskStatus, error: String?, delay: Int?
            switch outcome.result {
            case .succeeded:
                (status, error, delay) = (.success, nil, nil)
            case .failedPermanently(let reason), .refused(let reason):
                (status, error, delay) = (.failed, reason, nil)
            case .failed(let reason) where attempt >= maxAttempts:
                (status, error, delay) = (.failed, "\(reason) (attempt \(attempt) of \(maxAttempts); none left)", nil)
            case .failed(let reason):
                let wait = outcome.retryNotBefore.map(\.milliseconds) ?? Int(retryPolicy.delay(afterAttempt: attempt) * 1000)
                (status, error, delay) = (.retrying, reason, wait)
            }
            ids.append(outcome.taskID)
            attempts.append(attempt)
            statuses.append(status.rawValue)
            errors.append(error)
            delays.append(delay)
            planned[outcome.taskID] = status
            if case .refused = outcome.result { refused.insert(outcome.taskID) }
        }
        let logs = outcomes.flatMap(\.logs)
        let rows = CompletionRows(
            taskIDs: ids, attempts: attempts, statuses: statuses, errors: errors, delays: delays,
            logTaskIDs: logs.map(\.taskID), logStatuses: logs.map(\.status.rawValue), logCodes: logs.map(\.responseCode),
            logMessages: logs.map(\.message), logAccounts: logs.map(\.account), logDurations: logs.map(\.durationMilliseconds),
            logContracts: logs.map(\.contracts))
        let query = Self.completionQuery(rows, routerID: routerID)
        let row = try connection.execute(query).first
        let logged = try row?.decode("logged", as: Int.self) ?? 0
        let written = Set(PostgresArray.parse(row?["written"] ?? "{}").compactMap { $0.flatMap { Int($0) }.map { TaskID($0) } })
        var report = CompletionReport(duplicateAcceptances: logs.count - logged)
        for id in ids {
            guard written.contains(id) else { report.lost.append(id); continue }
            switch planned[id] {
            case .success?: report.succeeded.append(id)
            case .retrying?: report.retrying.append(id)
            default: report.failed.append(id)
            }
            if refused.contains(id) { report.refused.append(id) }
        }
        return report
    }

    /// The claim statement, as `claim` runs it (and `RouterBenchmarkSQL` hands it to pgbench).
    /// `attempted_before`: the task was claimed before this claim (its `last_attempt_at` was set),
    /// whatever its attempts say now.
    package static func claimQuery(limit: Int, routerID: String, lease: Duration) -> Query {
        let query: Query = """
            UPDATE execution_tasks AS t
            SET status = 'RUNNING', attempts = t.attempts + 1, last_attempt_at = clock_timestamp(), updated_at = NOW(),
                locked_by = \(routerID), locked_until = now() + \(lease.milliseconds) * interval '1 millisecond'
            FROM (SELECT c.id, c.last_attempt_at IS NOT NULL AS attempted_before FROM execution_tasks AS c
                  WHERE c.status IN (\(statuses: TaskStatus.waiting)) AND c.available_at <= now()
                    AND NOT (SELECT global_paused FROM switchyard_control WHERE id = 1)
                    AND c.event_type <> ALL ((SELECT paused_event_types FROM switchyard_control WHERE id = 1)::text[])
                    AND (c.event_type <> 'EXIT' OR NOT \(TradeOrder.entryUnfinished(before: "c")))
                  ORDER BY c.available_at, c.id
                  LIMIT \(limit) FOR UPDATE SKIP LOCKED) AS claimable
            WHERE t.id = claimable.id
            RETURNING t.id, t.trade_id, t.event_type, t.payload::text AS payload, t.attempts, t.max_attempts,
                claimable.attempted_before
            """
        return query.named("claimAvailableTasks")
    }

    /// What routing needs beyond the claimed tasks `ids` themselves: for an ENTRY, the first
    /// EXIT of its trade that already ran (`TradeOrder.exitThatRan`); for an EXIT, the accounts
    /// that accepted its trade's earlier ENTRY; for a task attempted before (`attemptedBefore`,
    /// one flag per id), the accounts that already accepted it. A statement of its own, so the
    /// claim's plan stays the walk of the claimable index whatever is looked up here.
    package static func acceptedAccountsQuery(_ ids: [TaskID], attemptedBefore: [Bool]) -> Query {
        let query: Query = """
            SELECT t.id,
                CASE WHEN u.attempted_before THEN to_json(ARRAY(
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
                END AS entry_accepted,
                CASE WHEN t.event_type = 'ENTRY' THEN \(TradeOrder.exitThatRan(after: "t")) END AS exit_ran
            FROM unnest(\(ids)::int[], \(attemptedBefore)::bool[]) AS u(id, attempted_before)
            JOIN execution_tasks AS t ON t.id = u.id
            """
        return query.named("acceptedAccounts")
    }

    /// What one write-back writes: a row per task and a row per account result, as arrays.
    package struct CompletionRows {
        var taskIDs: [TaskID], attempts: [Int], statuses: [String], errors: [String?], delays: [Int?]
        var logTaskIDs: [TaskID], logStatuses: [String], logCodes: [Int?], logMessages: [String], logAccounts: [String?]
        var logDurations: [Int?], logContracts: [Int?]
    }

    /// The completion statement, as `complete` runs it (and `RouterBenchmarkSQL` hands it to pgbench).
    /// The UPDATE that finishes a task also adds the accounts it wrote attempts for to the task's
    /// `routed_accounts` (migration 21: what a per-account observer's policy reads; for a task
    /// whose list is not known yet, NULL from before the migration, the whole list from its audit
    /// rows). When every task of the batch was still this router's, it marks its transaction so
    /// that the audit trigger that keeps the column for other writers returns at once (it cost
    /// 4 to 5 % of a drain's rate when it checked every task); a rescued task's list is left to it.
    package static func completionQuery(_ rows: CompletionRows, routerID: String) -> Query {
        let query: Query = """
            WITH logged AS (
                INSERT INTO execution_logs (task_id, status, response_code, response_body, event, account, router_id, actor, duration_ms,
                                            contracts)
                SELECT u.task_id, u.status, u.code, u.body, 'ATTEMPT', u.account, \(routerID), \(routerID), u.duration, u.contracts
                FROM unnest(\(rows.logTaskIDs)::int[], \(rows.logStatuses)::text[], \(rows.logCodes)::int[],
                            \(rows.logMessages)::text[], \(rows.logAccounts)::text[], \(rows.logDurations)::int[],
                            \(rows.logContracts)::int[])
                     AS u(task_id, status, code, body, account, duration, contracts)
                ON CONFLICT (task_id, account) WHERE event = 'ATTEMPT' AND status = 'SUCCESS' DO NOTHING
                RETURNING task_id, account),
            routed AS (
                SELECT task_id, array_agg(DISTINCT account ORDER BY account) AS accounts
                FROM logged WHERE account IS NOT NULL GROUP BY task_id),
            written AS (
                UPDATE execution_tasks AS t
                SET status = r.status, last_error = r.last_error,
                    available_at = coalesce(now() + r.delay_ms * interval '1 millisecond', t.available_at),
                    locked_by = NULL, locked_until = NULL, updated_at = NOW(),
                    finished_at = CASE WHEN r.status IN ('SUCCESS', 'FAILED') THEN now() END,
                    routed_accounts = CASE
                        WHEN routed.accounts IS NULL OR t.routed_accounts @> routed.accounts THEN t.routed_accounts
                        WHEN t.routed_accounts = '{}' THEN routed.accounts
                        ELSE ARRAY(SELECT DISTINCT a
                                   FROM unnest(coalesce(t.routed_accounts, switchyard_attempt_accounts(t.id)) || routed.accounts) AS a
                                   ORDER BY 1) END
                FROM unnest(\(rows.taskIDs)::int[], \(rows.attempts)::int[], \(rows.statuses)::text[], \(rows.errors)::text[], \(rows.delays)::int[])
                     AS r(id, attempts, status, last_error, delay_ms)
                     LEFT JOIN routed ON routed.task_id = r.id
                WHERE t.id = r.id AND t.locked_by = \(routerID) AND t.attempts = r.attempts
                RETURNING t.id),
            -- Tells the audit trigger that keeps routed_accounts for other writers that this
            -- statement wrote them itself (until the transaction ends: this statement's own),
            -- unless a task of the batch was no longer this router's (rescued meanwhile): its
            -- attempts are recorded, its row left alone, so the trigger checks that batch.
            marked AS (SELECT set_config('switchyard.routed_accounts_written',
                                         CASE WHEN (SELECT count(*) FROM written) = cardinality(\(rows.taskIDs)::int[])
                                              THEN 'on' ELSE 'off' END, true) AS marked)
            SELECT (SELECT count(*) FROM logged) AS logged, (SELECT array_agg(id) FROM written)::text AS written,
                   (SELECT marked FROM marked) AS marked
            """
        return query.named("completeTasks")
    }

    // MARK: Leases

    /// Pushes the lease of the tasks `ids` that `routerID` still holds to the server's `now()`
    /// plus `lease`.
    ///
    /// SKIP LOCKED: a task whose row is locked is being written back by its claim loop right
    /// now (it needs no longer lease), and waiting for it, rows locked in another order than
    /// the write-back's, is how the two deadlocked.
    @discardableResult
    public func extendLeases(_ ids: [TaskID], routerID: String, lease: Duration) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let query: Query = """
            UPDATE execution_tasks AS t SET locked_until = now() + \(lease.milliseconds) * interval '1 millisecond'
            FROM (SELECT id FROM execution_tasks
                  WHERE id = ANY(\(ids)::int[]) AND locked_by = \(routerID)
                  ORDER BY id FOR UPDATE SKIP LOCKED) AS mine
            WHERE t.id = mine.id
            """
        return try connection.execute(query.named("extendLeases")).affectedRows
    }

    /// Takes back tasks whose lease ended before the server's `now()` (their router died):
    /// RETRYING, or FAILED when no attempts are left, each logged RECOVERED with the dead
    /// router's id. Safe to run from every router at once: SKIP LOCKED and the RUNNING guard
    /// let each expired task be taken back exactly once.
    @discardableResult
    public func rescueExpired(by rescuer: String, limit: Int = 1000) throws -> [TaskID] {
        let query: Query = """
            WITH expired AS (
                SELECT id, locked_by FROM execution_tasks
                WHERE status = 'RUNNING' AND locked_until < now()
                ORDER BY locked_until LIMIT \(limit) FOR UPDATE SKIP LOCKED),
            moved AS (
                UPDATE execution_tasks AS t
                SET status = CASE WHEN t.attempts >= t.max_attempts THEN 'FAILED' ELSE 'RETRYING' END,
                    available_at = now(), locked_by = NULL, locked_until = NULL, updated_at = NOW(),
                    finished_at = CASE WHEN t.attempts >= t.max_attempts THEN now() END,
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
    public func release(routerID: String) throws -> [TaskID] {
        let query: Query = """
            UPDATE execution_tasks
            SET status = 'RETRYING', attempts = greatest(attempts - 1, 0), available_at = now(),
                locked_by = NULL, locked_until = NULL, updated_at = NOW()
            WHERE status = 'RUNNING' AND locked_by = \(routerID)
            RETURNING id
            """
        return try connection.execute(query.named("releaseTasks")).rows.map { try $0.decode("id", as: TaskID.self) }.sorted()
    }

    // MARK: Waiting

    /// How long until the earliest waiting task becomes available, on the server's clock: zero
    /// or less when one is available now (but may be unclaimable: paused, or an EXIT behind
    /// its ENTRY), nil when no task waits.
    public func timeUntilNextAvailable() throws -> Duration? {
        let query: Query = """
            SELECT (extract(epoch FROM min(available_at) - now()) * 1000)::bigint AS milliseconds
            FROM execution_tasks WHERE status IN (\(statuses: TaskStatus.waiting))
            """
        let milliseconds: Int64? = try connection.execute(query.named("timeUntilNextAvailable")).first?.decodeIfPresent("milliseconds")
        return milliseconds.map { .milliseconds($0) }
    }

    /// True while any task is waiting (PENDING, RETRYING) or in flight (RUNNING) anywhere.
    public func hasUnfinishedWork() throws -> Bool {
        let query: Query = """
            SELECT EXISTS (SELECT 1 FROM execution_tasks WHERE status IN (\(statuses: TaskStatus.waiting)))
                OR EXISTS (SELECT 1 FROM execution_tasks WHERE status = 'RUNNING') AS busy
            """
        return try connection.execute(query.named("hasUnfinishedWork")).first?.decode("busy", as: Bool.self) ?? false
    }

    static func stringSet(_ json: String?) -> Set<String> {
        guard let json, case .array(let items)? = try? ParsedJSON.parse(json) else { return [] }
        return Set(items.compactMap { if case .string(let text) = $0 { text } else { nil } })
    }
}
