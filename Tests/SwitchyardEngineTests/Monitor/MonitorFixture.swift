import Foundation
@testable import SwitchyardEngine

/// A hand-built queue, inserted with explicit timestamps relative to a fixed `now`, and the
/// snapshot it must produce.
enum MonitorFixture {
    /// 2026-11-23 10:00:30 UTC: half a minute into the current minute bucket.
    static let now = Date(timeIntervalSince1970: 1_795_428_030)
    static func at(_ offset: TimeInterval) -> Date { now.addingTimeInterval(offset) }
    static func minute(_ offsetFromCurrent: Int) -> Date {
        Date(timeIntervalSince1970: 1_795_428_000 + Double(offsetFromCurrent) * 60)
    }

    struct TaskRow {
        var id: Int, tradeID: String, type: String, status: String, attempts: Int, lastError: String?
        var created: TimeInterval, available: TimeInterval
    }

    static let tasks: [TaskRow] = [
        TaskRow(id: 1, tradeID: "T-1", type: "ENTRY", status: "SUCCESS", attempts: 1, lastError: nil, created: -7200, available: -7200),
        TaskRow(id: 2, tradeID: "T-1", type: "EXIT", status: "PENDING", attempts: 0, lastError: nil, created: -120, available: -90),
        TaskRow(id: 3, tradeID: "T-2", type: "ENTRY", status: "RETRYING", attempts: 1, lastError: "busy", created: -600, available: -30),
        TaskRow(id: 4, tradeID: "T-3", type: "ENTRY", status: "RETRYING", attempts: 2, lastError: "busy", created: -900, available: 60),
        TaskRow(id: 5, tradeID: "T-4", type: "ENTRY", status: "RUNNING", attempts: 1, lastError: nil, created: -60, available: -60),
        TaskRow(id: 6, tradeID: "T-5", type: "EXIT", status: "FAILED", attempts: 5, lastError: "broker said no", created: -3600, available: -3000),
        TaskRow(id: 7, tradeID: "es-6", type: "ENTRY", status: "FAILED", attempts: 3, lastError: "timeout", created: -1800, available: -1700),
        TaskRow(id: 8, tradeID: "T-7", type: "ENTRY", status: "DEAD", attempts: 5, lastError: "bad payload", created: -5000, available: -5000),
        TaskRow(id: 9, tradeID: "T-8", type: "EXIT", status: "HELD", attempts: 0, lastError: nil, created: -400, available: -400),
        TaskRow(id: 10, tradeID: "T-9", type: "ENTRY", status: "PENDING", attempts: 0, lastError: nil, created: -5, available: 10),
    ]

    struct LogRow {
        var id: Int, task: Int, event: String, status: String, code: Int?, body: String?, at: TimeInterval
    }

    /// Attempts at the edges of the hour and of the current-rate window, and rows that are not attempts.
    static let logs: [LogRow] = [
        LogRow(id: 1, task: 1, event: "ATTEMPT", status: "SUCCESS", code: 200, body: "ok", at: -3571),   // 09:00:59, before the hour
        LogRow(id: 2, task: 1, event: "ATTEMPT", status: "SUCCESS", code: 200, body: "ok", at: -3570),   // 09:01:00, first bucket
        LogRow(id: 3, task: 6, event: "ATTEMPT", status: "FAILED", code: 500, body: "broker said no", at: -1830), // 09:30:00
        LogRow(id: 4, task: 6, event: "ATTEMPT", status: "FAILED", code: 500, body: "broker said no", at: -30.5), // 09:59:59.5
        LogRow(id: 5, task: 3, event: "ATTEMPT", status: "SUCCESS", code: 200, body: "ok", at: -30),     // 10:00:00
        LogRow(id: 6, task: 3, event: "ATTEMPT", status: "SKIPPED", code: nil, body: "size 0", at: -25),
        LogRow(id: 7, task: 7, event: "RETRY_REQUESTED", status: "PENDING", code: nil, body: "by ops", at: -20),
        LogRow(id: 8, task: 3, event: "ATTEMPT", status: "SUCCESS", code: 200, body: "ok", at: -5),      // in the rate window
        LogRow(id: 9, task: 7, event: "ATTEMPT", status: "FAILED", code: 503, body: "timeout", at: 0),  // exactly now
        LogRow(id: 10, task: 3, event: "ATTEMPT", status: "SUCCESS", code: 200, body: "late", at: 1),   // after now
    ]

    /// Inserts the fixture into a migrated schema, with routers and a paused control row.
    static func insert(into connection: PGConnection) throws {
        for task in tasks {
            try connection.execute(Query("""
                INSERT INTO execution_tasks (id, trade_id, event_type, status, attempts, last_error, created_at,
                    updated_at, available_at, max_attempts, dead_letter_reason)
                VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $8::timestamptz, $9, 5, $10)
                """, parameters: [String(task.id), task.tradeID, task.type, task.status, String(task.attempts), task.lastError,
                                  at(task.created).postgresText, at(task.created + 1).postgresText,
                                  at(task.available).postgresText, task.status == "DEAD" ? "poison" : nil]))
        }
        for log in logs {
            try connection.execute(Query("""
                INSERT INTO execution_logs (id, task_id, event, status, response_code, response_body, created_at, account)
                VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $8)
                """, parameters: [String(log.id), String(log.task), log.event, log.status, log.code.map(String.init), log.body,
                                  at(log.at).postgresText, "acct-\(log.id)"]))
        }
        try connection.execute("""
            INSERT INTO switchyard_routers (id, host, pid, started_at, heartbeat_at, stopped_at, dry_run, paused, in_flight, processed)
            VALUES ('r-b', 'beta', 7, \(at(-3600)), \(at(-10)), NULL, true, false, 3, 120),
                   ('r-a', 'alpha', 42, \(at(-600)), \(at(-2)), NULL, false, true, 0, 7),
                   ('r-old', 'alpha', 41, \(at(-7200)), \(at(-301)), \(at(-301)), true, false, 0, 99)
            """)
        try connection.execute("""
            UPDATE switchyard_control SET global_paused = true, paused_event_types = '{EXIT}',
                changed_by = 'ops@box', changed_at = \(at(-45)), reason = 'broker maintenance'
            """)
    }

    static func summary(_ id: Int) -> TaskSummary {
        let task = tasks.first { $0.id == id }!
        return TaskSummary(id: TaskID(id), tradeID: task.tradeID, eventType: EventType(rawValue: task.type),
                           status: TaskStatus(rawValue: task.status), attempts: task.attempts, maxAttempts: 5,
                           lastError: task.lastError, createdAt: at(task.created), updatedAt: at(task.created + 1))
    }

    static func entry(_ id: Int) -> LogEntry {
        let log = logs.first { $0.id == id }!
        let task = tasks.first { $0.id == log.task }!
        return LogEntry(id: id, taskID: TaskID(log.task), tradeID: task.tradeID, eventType: EventType(rawValue: task.type),
                        event: log.event, account: "acct-\(id)", status: log.status, responseCode: log.code, message: log.body,
                        actor: nil, routerID: nil, durationMilliseconds: nil, createdAt: at(log.at),
                        taskStatus: TaskStatus(rawValue: task.status))
    }

    static var expectedMinutes: [ProcessingRates.Minute] {
        (-59...0).map { offset in
            let (succeeded, failed): (Int, Int) = switch offset {
            case -59: (1, 0)   // 09:01:00
            case -30: (0, 1)   // 09:30:00
            case -1: (0, 1)    // 09:59:59.5
            case 0: (2, 1)     // 10:00:00, 10:00:25, 10:00:30 (10:00:31 is after now)
            default: (0, 0)
            }
            return ProcessingRates.Minute(start: minute(offset), succeeded: succeeded, failed: failed)
        }
    }

    /// What the fixture must read as, part by part, with `recentLogLimit` 4.
    static var expected: DashboardSnapshot {
        DashboardSnapshot(
            takenAt: now,
            queue: QueueDepth(counts: [.pending: 2, .running: 1, .retrying: 2, .held: 1, .success: 1, .failed: 2, .dead: 1],
                              oldestEligibleAge: 90, scheduled: 1),
            rates: ProcessingRates(minutes: expectedMinutes, currentPerSecond: 0.2),
            recentLogs: [10, 9, 8, 7].map(entry),
            failedTasks: [7, 6].map(summary), deadTasks: [8].map(summary), heldTasks: [9].map(summary),
            accounts: expectedAccounts,
            routers: [
                RouterInfo(id: "r-a", host: "alpha", pid: 42, startedAt: at(-600), heartbeatAt: at(-2), stoppedAt: nil,
                           dryRun: false, paused: true, inFlight: 0, processed: 7, isLive: true),
                RouterInfo(id: "r-b", host: "beta", pid: 7, startedAt: at(-3600), heartbeatAt: at(-10), stoppedAt: nil,
                           dryRun: true, paused: false, inFlight: 3, processed: 120, isLive: true),
            ],
            control: ControlState(globalPaused: true, pausedEventTypes: ["EXIT"], changedBy: "ops@box", changedAt: at(-45),
                                  reason: "broker maintenance"),
            schedules: [], alerts: AlertsState(rules: [], firing: [], history: []))
    }

    /// Each audit row has an account of its own ("acct-<id>"): the hour's attempts by account
    /// (per minute: the one after `now` in the current minute counts), and the positions their
    /// ENTRY acceptances opened, log 1's before the hour too.
    static var expectedAccounts: [AccountFigures] {
        func account(_ id: Int, accepted: Int = 0, refused: Int = 0, minute offset: Int = 0, refusal: Int? = nil,
                     positions: Int = 0) -> AccountFigures {
            let minutes = (-59...0).map { bucket in
                AccountFigures.Minute(start: minute(bucket), accepted: bucket == offset ? accepted : 0,
                                      refused: bucket == offset ? refused : 0)
            }
            let lastRefusal = refusal.map { log in
                let row = logs.first { $0.id == log }!
                return AccountFigures.Refusal(taskID: TaskID(row.task), message: row.body, at: at(row.at))
            }
            return AccountFigures(name: "acct-\(id)", enabled: nil, minutes: minutes, averageLatencyMilliseconds: nil,
                                  lastRefusal: lastRefusal, openPositions: positions)
        }
        return [
            account(1, positions: 1),
            account(10, accepted: 1, positions: 1),
            account(2, accepted: 1, minute: -59, positions: 1),
            account(3, refused: 1, minute: -30, refusal: 3),
            account(4, refused: 1, minute: -1, refusal: 4),
            account(5, accepted: 1, positions: 1),
            account(8, accepted: 1, positions: 1),
            account(9, refused: 1, refusal: 9),
        ]
    }

    /// `expected` with the routers part unavailable for `reasons` (a lock, a missing grant).
    static func expectedWithoutRouters(_ reasons: [String: String]) -> DashboardSnapshot {
        var snapshot = expected
        snapshot.routers = nil
        snapshot.unavailable = reasons
        return snapshot
    }

    static var queries: MonitorQueries {
        var config = MonitorQueries.Config()
        config.recentLogLimit = 4
        return MonitorQueries(config: config)
    }
}
