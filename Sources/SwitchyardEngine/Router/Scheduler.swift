import FoundationEssentials

/// Enqueues the runs of schedules as they fall due: one task per run for the whole cluster.
/// Every router runs one; a run is enqueued by whichever inserts its row in
/// `switchyard_schedule_runs` first (the primary key is the schedule and the run's time), so
/// however many routers look, each run enqueues once.
///
/// The step takes the clock as input: the database's `now()` in production, an injected time in
/// tests (daylight-saving nights are stepped through in a second).
///
/// Runs missed while no scheduler was stepping (no router alive: the cluster-wide
/// `switchyard_scheduler_clock` fell silent for longer than `Config.outageAfter`) follow each
/// schedule's catch-up policy; the missed ones are recorded as runs with outcome MISSED and one
/// MISSED line in the schedule's audit trail.
public struct Scheduler: Sendable {
    public struct Config: Sendable, Equatable {
        /// A silence of the scheduler clock longer than this means no router was alive: runs
        /// that fell due in it are missed runs.
        public var outageAfter: Duration = .seconds(5)
        /// The longest sleep between steps: a schedule added, resumed or changed is seen this soon.
        public var maximumWait: Duration = .seconds(1)
        /// Schedules handled in one step at most; more due ones are handled by the next step, at once.
        public var schedulesPerStep = 200
        /// Runs of one schedule enqueued or recorded in one step at most (a long outage under
        /// `--catch-up all`); the rest follow in the next steps.
        public var runsPerStep = 1000
        public init() {}
    }

    /// What one step did.
    public struct Report: Sendable, Equatable {
        /// Runs this step enqueued (ENQUEUED) or recorded as missed (MISSED), with their tasks.
        public var runs: [ScheduleRun] = []
        /// How long until the next step should look: the earliest next run, at most
        /// `Config.maximumWait`, on the step's clock.
        public var wait: Duration = .seconds(1)
        /// True when the step followed a silence of the scheduler clock (no router was alive).
        public var afterOutage = false
        /// One line per schedule whose runs fell due while no router was alive, for the router's log.
        public var notices: [String] = []
        public var enqueued: [ScheduleRun] { runs.filter { $0.outcome != .missed } }
        public var missed: [ScheduleRun] { runs.filter { $0.outcome == .missed } }
    }

    public let routerID: String
    public let config: Config

    public init(routerID: String, config: Config = Config()) {
        self.routerID = routerID
        self.config = config
    }

    /// One step, in one transaction: the runs due by `now` (the database's `now()` when nil) are
    /// enqueued or recorded as missed, and each schedule's next run moves on.
    public func runOnce(on connection: PGConnection, now injected: Date? = nil) throws -> Report {
        try connection.transaction { connection in
            // A step that stalls (a connection cut mid-step) is ended by the server, and its lock
            // released, instead of holding the clock for everyone.
            try connection.execute(Query("SET LOCAL idle_in_transaction_session_timeout = '10s'").named("schedulerTimeout"))
            // The clock row is locked for the step: schedulers take turns (a step is a few
            // milliseconds), and each knows when the one before it looked. One that finds it
            // locked skips its turn rather than wait: another router is stepping right now.
            let clockQuery: Query = """
                UPDATE switchyard_scheduler_clock AS k SET stepped_at = coalesce(\(injected)::timestamptz, now())
                FROM (SELECT stepped_at FROM switchyard_scheduler_clock WHERE id = 1 FOR UPDATE SKIP LOCKED) AS before
                WHERE k.id = 1
                RETURNING before.stepped_at AS previous, k.stepped_at AS now
                """
            guard let clock = try connection.execute(clockQuery.named("schedulerClock")).first else {
                var busy = Report()
                busy.wait = .milliseconds(50)
                return busy
            }
            let now: Date = try clock.decode("now")
            let previous: Date? = try clock.decodeIfPresent("previous")
            var report = Report()
            report.afterOutage = previous.map { now.timeIntervalSince($0) > config.outageAfter.seconds } ?? true

            let dueQuery: Query = """
                SELECT id, name, every_ms, cron, time_zone, event_type, payload::text AS payload, max_attempts,
                       catch_up, next_run_at
                FROM switchyard_schedules
                WHERE removed_at IS NULL AND NOT paused AND next_run_at <= \(now)
                ORDER BY next_run_at LIMIT \(config.schedulesPerStep) FOR UPDATE SKIP LOCKED
                """
            var plan = RunPlan()
            for row in try connection.execute(dueQuery.named("dueSchedules")).rows {
                try plan.add(row, now: now, afterOutage: report.afterOutage, limit: config.runsPerStep)
            }
            if !plan.isEmpty {
                report.runs = try record(plan, now: now, on: connection)
                try advance(plan, on: connection)
                report.notices = try auditMissed(report.runs, plan: plan, on: connection)
            }
            let nextQuery: Query = """
                SELECT (extract(epoch FROM min(next_run_at) - \(now)) * 1000)::bigint AS milliseconds
                FROM switchyard_schedules WHERE removed_at IS NULL AND NOT paused
                """
            let untilNext: Int64? = try connection.execute(nextQuery.named("nextScheduleRun")).first?.decodeIfPresent("milliseconds")
            let wait = untilNext.map { Duration.milliseconds(max(10, $0 + 1)) } ?? config.maximumWait
            report.wait = min(wait, config.maximumWait)
            return report
        }
    }

    /// Inserts the runs (a conflict means another router recorded that run: it is skipped) and
    /// the tasks of those this step won, in one statement.
    private func record(_ plan: RunPlan, now: Date, on connection: PGConnection) throws -> [ScheduleRun] {
        let query: Query = """
            WITH planned AS (
                SELECT * FROM unnest(\(plan.scheduleIDs)::bigint[], \(plan.runTimes)::timestamptz[], \(plan.outcomes)::text[],
                                     \(plan.tradeIDs)::text[], \(plan.eventTypes)::text[], \(plan.payloads)::text[],
                                     \(plan.maxAttempts)::int[])
                    WITH ORDINALITY AS u(schedule_id, run_at, outcome, trade_id, event_type, payload, max_attempts, position)),
            won AS (
                INSERT INTO switchyard_schedule_runs (schedule_id, run_at, outcome, router_id, created_at)
                SELECT schedule_id, run_at, outcome, \(routerID), \(now) FROM planned ORDER BY position
                ON CONFLICT (schedule_id, run_at) DO NOTHING
                RETURNING schedule_id, run_at, outcome),
            made AS (
                INSERT INTO execution_tasks (trade_id, event_type, payload, max_attempts, schedule_id)
                SELECT p.trade_id, p.event_type, p.payload::jsonb, p.max_attempts, p.schedule_id
                FROM won AS w JOIN planned AS p ON p.schedule_id = w.schedule_id AND p.run_at = w.run_at
                WHERE w.outcome = 'ENQUEUED'
                ORDER BY p.position
                RETURNING id, schedule_id, trade_id)
            SELECT w.schedule_id, w.run_at, w.outcome, m.id AS task_id
            FROM won AS w JOIN planned AS p ON p.schedule_id = w.schedule_id AND p.run_at = w.run_at
            LEFT JOIN made AS m ON m.schedule_id = w.schedule_id AND m.trade_id = p.trade_id
            ORDER BY p.position
            """
        return try connection.execute(query.named("enqueueScheduleRuns")).rows.map { row in
            ScheduleRun(scheduleID: try row.decode("schedule_id"), runAt: try row.decode("run_at"),
                        outcome: ScheduleRun.Outcome(rawValue: try row.decode("outcome")) ?? .enqueued,
                        taskID: try row.decodeIfPresent("task_id"), taskStatus: nil, routerID: routerID, createdAt: now)
        }
    }

    /// Moves each handled schedule's next run on, and its last run to the latest enqueued.
    private func advance(_ plan: RunPlan, on connection: PGConnection) throws {
        let query: Query = """
            UPDATE switchyard_schedules AS s
            SET next_run_at = u.next_run_at, last_run_at = greatest(s.last_run_at, u.last_run_at), updated_at = now()
            FROM unnest(\(plan.advances.map(\.id))::bigint[], \(plan.advances.map(\.next))::timestamptz[],
                        \(plan.advances.map(\.lastEnqueued))::timestamptz[]) AS u(id, next_run_at, last_run_at)
            WHERE s.id = u.id
            """
        try connection.execute(query.named("advanceSchedules"))
    }

    /// One MISSED line per schedule whose runs fell due while no router was alive, by the router
    /// that recorded them: how many, when, and what its catch-up policy did.
    @discardableResult
    private func auditMissed(_ runs: [ScheduleRun], plan: RunPlan, on connection: PGConnection) throws -> [String] {
        var ids: [ScheduleID] = [], details: [String] = []
        let won = Dictionary(grouping: runs, by: \.scheduleID)
        for (id, total) in plan.missedTotals.sorted(by: { $0.key < $1.key }) where total > 0 {
            guard let mine = won[id], !mine.isEmpty else { continue }
            let times = mine.map(\.runAt).sorted()
            let policy = plan.policies[id] ?? .latest
            let span = times.count == 1 ? "at \(ClockZone.utc.stamp(times[0]))"
                : "from \(ClockZone.utc.stamp(times[0])) to \(ClockZone.utc.stamp(times[times.count - 1]))"
            let what = switch policy {
            case .latest: "the latest was enqueued, the others skipped"
            case .none: "none was enqueued"
            case .all: "each one was enqueued"
            }
            ids.append(id)
            details.append("\(total) run(s) \(span) fell due while no router was alive; catch-up \(policy.rawValue): \(what).")
        }
        guard !ids.isEmpty else { return [] }
        let query: Query = """
            INSERT INTO switchyard_schedule_log (schedule_id, action, actor, detail)
            SELECT u.id, 'MISSED', \(routerID), u.detail FROM unnest(\(ids)::bigint[], \(details)::text[]) AS u(id, detail)
            """
        try connection.execute(query.named("auditMissedRuns"))
        return zip(ids, details).map { "schedule \(plan.names[$0] ?? "\($0)"): \($1)" }
    }
}

/// The runs one step means to record, as the arrays its statements take.
struct RunPlan {
    var scheduleIDs: [ScheduleID] = [], runTimes: [Date] = [], outcomes: [String] = [], tradeIDs: [String] = []
    var eventTypes: [String] = [], payloads: [String] = [], maxAttempts: [Int] = []
    var advances: [(id: ScheduleID, next: Date, lastEnqueued: Date?)] = []
    var policies: [ScheduleID: CatchUpPolicy] = [:]
    var names: [ScheduleID: String] = [:]
    /// Runs missed per schedule in all, including those beyond what is recorded.
    var missedTotals: [ScheduleID: Int] = [:]
    var isEmpty: Bool { advances.isEmpty }

    /// Plans one due schedule: which of its due runs are enqueued and which are missed.
    mutating func add(_ row: Row, now: Date, afterOutage: Bool, limit: Int) throws {
        let id: ScheduleID = try row.decode("id")
        let name: String = try row.decode("name")
        let timing = try ScheduleTiming.stored(everyMilliseconds: row.decodeIfPresent("every_ms"), cron: row.decodeIfPresent("cron"),
                                               timeZone: row.decode("time_zone"))
        let policy = CatchUpPolicy(rawValue: try row.decode("catch_up")) ?? .latest
        let first: Date = try row.decode("next_run_at")
        policies[id] = policy
        names[id] = name
        var enqueue: [Date] = [], missed: [Date] = []
        let next: Date
        if !afterOutage || policy == .all {
            // On time (or catching up every run): the oldest due runs, the rest in the next steps.
            var run: Date? = first
            while let due = run, due <= now, enqueue.count < limit {
                enqueue.append(due)
                run = timing.nextRun(after: due)
            }
            next = run ?? .distantFuture
            if afterOutage, !enqueue.isEmpty { missedTotals[id] = enqueue.count }
        } else {
            let due = Self.latestDueRuns(timing, from: first, through: now, keep: limit)
            missed = due.runs
            if policy == .latest, let latest = missed.popLast() { enqueue = [latest] }
            missedTotals[id] = due.total
            next = timing.nextRun(after: now) ?? .distantFuture
        }
        for runAt in (enqueue + missed).sorted() {
            scheduleIDs.append(id)
            runTimes.append(runAt)
            outcomes.append(enqueue.contains(runAt) ? ScheduleRun.Outcome.enqueued.rawValue : ScheduleRun.Outcome.missed.rawValue)
            tradeIDs.append(NewSchedule.tradeID(name: name, runAt: runAt))
            eventTypes.append(try row.decode("event_type"))
            payloads.append(try row.decode("payload"))
            maxAttempts.append(try row.decode("max_attempts"))
        }
        advances.append((id, next, enqueue.last))
    }

    /// The most recent `keep` runs due from `first` through `now`, and how many are due in all.
    /// A fixed period far behind is not walked run by run: its runs are counted.
    static func latestDueRuns(_ timing: ScheduleTiming, from first: Date, through now: Date, keep: Int) -> (runs: [Date], total: Int) {
        if case .every(let period) = timing {
            let seconds = Double(period.components.seconds)
            let lastIndex = (now.timeIntervalSince1970 / seconds).rounded(.down)
            let firstIndex = (first.timeIntervalSince1970 / seconds).rounded(.up)
            guard lastIndex >= firstIndex else { return ([], 0) }
            let total = Int(lastIndex - firstIndex) + 1
            let runs = (0..<min(total, keep)).reversed().map { Date(timeIntervalSince1970: (lastIndex - Double($0)) * seconds) }
            return (runs, total)
        }
        var runs: [Date] = [], total = 0
        var run: Date? = first
        while let due = run, due <= now {
            total += 1
            runs.append(due)
            if runs.count > keep { runs.removeFirst() }
            run = timing.nextRun(after: due)
        }
        return (runs, total)
    }
}
