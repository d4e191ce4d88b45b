import Foundation
import SwitchyardEngine
@testable import SwitchyardTUI

/// Fixed data for update and frame tests: a fixed clock (2026-11-23 03:12:09 UTC) and UTC times.
enum Fixture {
    static let now = Date(timeIntervalSince1970: 1_795_403_529)
    static let utc = ClockZone.utc

    static func settings(readOnly: Bool = false) -> DashboardSettings {
        DashboardSettings(databaseNames: DatabaseEndpoint(user: "ops", host: "db.internal", port: "5432",
                                                          database: "switchyard").names,
                          readOnly: readOnly, timeZone: utc)
    }

    static func model(readOnly: Bool = false, size: TerminalSize = .standard) -> DashboardModel {
        DashboardModel(settings: settings(readOnly: readOnly), now: now, size: size)
    }

    /// A model that has loaded `snapshot` just now.
    static func loaded(_ snapshot: DashboardSnapshot, readOnly: Bool = false,
                       size: TerminalSize = .standard) -> DashboardModel {
        var model = model(readOnly: readOnly, size: size)
        _ = update(&model, .snapshotLoaded(snapshot, at: now))
        _ = update(&model, .routerStatusChanged(readOnly ? nil : RouterStatusLine(state: .running, dryRun: true)))
        return model
    }

    static func ago(_ seconds: TimeInterval) -> Date { now.addingTimeInterval(-seconds) }

    static let emptySnapshot = DashboardSnapshot(
        takenAt: now,
        queue: QueueDepth(counts: [:], oldestEligibleAge: nil),
        rates: ProcessingRates(minutes: (0..<60).map {
            ProcessingRates.Minute(start: ago(Double(60 - $0) * 60), succeeded: 0, failed: 0)
        }, currentPerSecond: 0),
        recentLogs: [], failedTasks: [], deadTasks: [], heldTasks: [], accounts: [], routers: [],
        control: ControlState(globalPaused: false, pausedEventTypes: [], changedBy: nil, changedAt: nil, reason: nil))

    static func failedTask(_ id: Int, trade: String, type: EventType = .entry, error: String,
                           age: TimeInterval, status: TaskStatus = .failed) -> TaskSummary {
        TaskSummary(id: TaskID(id), tradeID: trade, eventType: type, status: status, attempts: 5, maxAttempts: 5,
                    lastError: error, createdAt: ago(age), updatedAt: ago(age / 2))
    }

    static let failedTasks: [TaskSummary] = [
        failedTask(1042, trade: "ES-20261123-0007", error: "account sim-2: order rejected (code 503)", age: 95),
        failedTask(1038, trade: "NQ-20261123-0003", type: .exit, error: "payload has no exit_price", age: 310),
        failedTask(1011, trade: "ES-20261123-0001", error: "account sim-1: timeout after 2000 ms", age: 1820),
        failedTask(987, trade: "CL-20261122-0044", error: "stop_loss equals entry_price: size undefined", age: 7300),
    ]

    static func log(_ id: Int, task: Int, trade: String, type: EventType = .entry, event: String = "ATTEMPT",
                    account: String? = "sim-1", status: String, code: Int?, message: String?, age: TimeInterval)
        -> LogEntry
    {
        LogEntry(id: id, taskID: TaskID(task), tradeID: trade, eventType: type, event: event, account: account,
                 status: status, responseCode: code, message: message, actor: nil, routerID: "router-a",
                 durationMilliseconds: 12, createdAt: ago(age))
    }

    static let logs: [LogEntry] = [
        log(9120, task: 1050, trade: "ES-20261123-0009", status: "SUCCESS", code: 200, message: "filled 2 @ 4156.25", age: 2),
        log(9119, task: 1050, trade: "ES-20261123-0009", account: "sim-2", status: "SUCCESS", code: 200,
            message: "filled 1 @ 4156.25", age: 2),
        log(9118, task: 1049, trade: "NQ-20261123-0004", type: .exit, status: "SUCCESS", code: 200,
            message: "closed 3", age: 9),
        log(9117, task: 1042, trade: "ES-20261123-0007", account: "sim-2", status: "FAILED", code: 503,
            message: "order rejected", age: 95),
        log(9116, task: 1041, trade: "ES-20261123-0006", event: "RETRY_REQUESTED", account: nil, status: "PENDING",
            code: nil, message: "by ops@bastion", age: 130),
        log(9115, task: 1040, trade: "CL-20261123-0002", account: "sim-1", status: "SKIPPED", code: nil,
            message: "size 0: risk too small", age: 140),
        log(9114, task: 1039, trade: "GC-20261123-0001", status: "SUCCESS", code: 200, message: "filled 1", age: 150),
        log(9113, task: 1038, trade: "NQ-20261123-0003", type: .exit, status: "FAILED", code: nil,
            message: "payload has no exit_price", age: 310),
    ]

    static let routers: [RouterInfo] = [
        RouterInfo(id: "router-a", host: "trade-01", pid: 4123, startedAt: ago(7200), heartbeatAt: ago(1),
                   stoppedAt: nil, dryRun: true, paused: false, inFlight: 3, processed: 18234, isLive: true),
        RouterInfo(id: "router-b", host: "trade-02", pid: 991, startedAt: ago(3600), heartbeatAt: ago(2),
                   stoppedAt: nil, dryRun: true, paused: false, inFlight: 0, processed: 9120, isLive: true),
        RouterInfo(id: "router-old", host: "trade-03", pid: 17, startedAt: ago(9000), heartbeatAt: ago(600),
                   stoppedAt: ago(600), dryRun: true, paused: false, inFlight: 0, processed: 55, isLive: false),
    ]

    static var busySnapshot: DashboardSnapshot {
        var snapshot = emptySnapshot
        snapshot.queue = QueueDepth(counts: [.pending: 137, .running: 3, .retrying: 12, .held: 2, .success: 48_210,
                                             .failed: 4, .dead: 1], oldestEligibleAge: 42)
        snapshot.rates = ProcessingRates(minutes: (0..<60).map { minute in
            let wave = Int(40 + 35 * sin(Double(minute) / 6))
            return ProcessingRates.Minute(start: ago(Double(60 - minute) * 60), succeeded: max(0, wave),
                                          failed: minute % 9 == 0 ? 3 : (minute % 4 == 0 ? 1 : 0))
        }, currentPerSecond: 1.4)
        snapshot.recentLogs = logs
        snapshot.failedTasks = failedTasks
        snapshot.heldTasks = [failedTask(1002, trade: "ES-20261122-0031", error: "held by ops", age: 4000,
                                         status: .held)]
        snapshot.routers = routers
        snapshot.accounts = accounts
        return snapshot
    }

    /// The busy snapshot whose log rows say each task's status now: `status(task)`.
    static func busySnapshot(logTasks status: (TaskID) -> TaskStatus) -> DashboardSnapshot {
        var snapshot = busySnapshot
        snapshot.recentLogs = snapshot.recentLogs?.map { entry in
            var entry = entry
            entry.taskStatus = status(entry.taskID)
            return entry
        }
        return snapshot
    }

    /// Three schedules, next runs first, as the snapshot lists them.
    static var schedules: [Schedule] {
        func schedule(_ id: Int64, _ name: String, _ timing: ScheduleTiming, paused: Bool = false, next: TimeInterval,
                      last: TimeInterval?, ok: Int, errors: Int, average: Double?, missed: Int = 0) -> Schedule {
            var figures = ScheduleFigures()
            (figures.successes, figures.errors, figures.averageExecutionMilliseconds, figures.missed) = (ok, errors, average, missed)
            figures.tasks = ok + errors
            return Schedule(id: id, name: name, timing: timing, eventType: .entry, payload: "{}", maxAttempts: 5, catchUp: .latest,
                            paused: paused, nextRunAt: now.addingTimeInterval(next), lastRunAt: last.map(ago), createdAt: ago(86_400),
                            createdBy: "ops@bastion", removedAt: nil, figures: figures)
        }
        return [
            schedule(1, "es-hourly-entry", try! .every("1h"), next: 12, last: 3588, ok: 23, errors: 1, average: 84),
            schedule(2, "es-close-1555", try! .cron("55 15 * * MON-FRI", timeZone: "America/New_York"), next: 45_000,
                     last: 41_400, ok: 19, errors: 0, average: 1250.4, missed: 2),
            schedule(3, "nq-scalp-5m", try! .every("5m"), paused: true, next: 100, last: 7200, ok: 310, errors: 12, average: 97),
        ]
    }

    /// The busy queue, with a burst of refusals in the last ten minutes (an account rejecting orders).
    static var burstSnapshot: DashboardSnapshot {
        var snapshot = busySnapshot
        let minutes = snapshot.rates!.minutes
        snapshot.rates?.minutes = minutes.enumerated().map { index, minute in
            var minute = minute
            if index >= 50 && index < 56 { (minute.succeeded, minute.failed) = (12, [5, 30, 62, 58, 41, 9][index - 50]) }
            return minute
        }
        return snapshot
    }

    /// Two alerts firing (one with a failing webhook, one held by quiet hours), three rules, history.
    static var alerts: AlertsState {
        let failedOrders = AlertCondition.failedOver(0)
        let refusals = AlertCondition.accountRefusalsOver(5, windowMinutes: 10)
        return AlertsState(
            rules: [
                AlertRuleSummary(id: 1, name: "failed-orders", condition: failedOrders, severity: .critical,
                                 target: "https://hooks.slack.com/…", cooldown: .seconds(300), quietHours: nil,
                                 createdBy: "ops@bastion", createdAt: ago(86_400)),
                AlertRuleSummary(id: 2, name: "broker-refusing", condition: refusals, severity: .warning,
                                 target: "command /usr/local/bin/page …", cooldown: .seconds(600),
                                 quietHours: QuietHours(start: 22 * 60, end: 7 * 60, timeZone: "Europe/London"),
                                 createdBy: "ops@bastion", createdAt: ago(86_400)),
                AlertRuleSummary(id: 3, name: "slow-queue", condition: .lagOver(seconds: 120), severity: .warning,
                                 target: "https://chat.example/…", cooldown: .seconds(300), quietHours: nil,
                                 createdBy: "ops@bastion", createdAt: ago(3600)),
            ],
            firing: [
                FiringAlert(rule: "failed-orders", severity: .critical, condition: failedOrders, account: nil, since: ago(420),
                            value: 4, heldReason: nil, failingDeliveries: 1,
                            deliveryError: "https://hooks.slack.com/… answered HTTP 500."),
                FiringAlert(rule: "broker-refusing", severity: .warning, condition: refusals, account: "apex-eval-2",
                            since: ago(95), value: 7, heldReason: "quiet hours 22:00-07:00 Europe/London"),
            ],
            history: [
                AlertHistoryEntry(id: 6, at: ago(20), rule: "failed-orders", event: "delivery_failed", severity: "critical",
                                  account: nil, value: nil, detail: "Try 3 of 20: https://hooks.slack.com/… answered HTTP 500.",
                                  actor: "vm-1-a"),
                AlertHistoryEntry(id: 5, at: ago(95), rule: "broker-refusing", event: "suppressed", severity: "warning",
                                  account: "apex-eval-2", value: 7, detail: "Not delivered now: quiet hours 22:00-07:00 Europe/London.",
                                  actor: "vm-1-a"),
                AlertHistoryEntry(id: 4, at: ago(95), rule: "broker-refusing", event: "fired", severity: "warning",
                                  account: "apex-eval-2", value: 7, detail: "7 orders refused in 10 min by account apex-eval-2",
                                  actor: "vm-1-a"),
                AlertHistoryEntry(id: 3, at: ago(420), rule: "failed-orders", event: "fired", severity: "critical",
                                  account: nil, value: 4, detail: "4 tasks FAILED", actor: "vm-2-b"),
                AlertHistoryEntry(id: 2, at: ago(3600), rule: "slow-queue", event: "rule_added", severity: "warning",
                                  account: nil, value: nil, detail: "lag-over 120 s → https://chat.example/…", actor: "ops@bastion"),
                AlertHistoryEntry(id: 1, at: ago(86_400), rule: "failed-orders", event: "rule_added", severity: "critical",
                                  account: nil, value: nil, detail: "failed-over 0 → https://hooks.slack.com/…", actor: "ops@bastion"),
            ])
    }

    /// Four accounts: two busy (one refusing now and then), one disabled, one only seen in the data.
    static var accounts: [AccountFigures] {
        func account(_ name: String, enabled: Bool?, accepted: (Int) -> Int, refused: (Int) -> Int, latency: Double?,
                     refusal: AccountFigures.Refusal?, open: Int) -> AccountFigures {
            AccountFigures(name: name, enabled: enabled, minutes: (0..<60).map { minute in
                AccountFigures.Minute(start: ago(Double(60 - minute) * 60), accepted: accepted(minute), refused: refused(minute))
            }, averageLatencyMilliseconds: latency, lastRefusal: refusal, openPositions: open)
        }
        return [
            account("apex-eval-1", enabled: true, accepted: { 20 + ($0 * 7) % 15 }, refused: { _ in 0 }, latency: 14.2,
                    refusal: AccountFigures.Refusal(taskID: TaskID(640), message: "margin check failed", at: ago(5400)), open: 3),
            account("apex-eval-2", enabled: true, accepted: { 10 + ($0 * 5) % 12 }, refused: { $0 % 9 == 0 ? 2 : 0 },
                    latency: 3.5, refusal: AccountFigures.Refusal(taskID: TaskID(1042), message: "order rejected (code 503)",
                                                                   at: ago(95)), open: 2),
            account("paper-disabled", enabled: false, accepted: { _ in 0 }, refused: { _ in 0 }, latency: nil, refusal: nil,
                    open: 0),
            account("legacy-7", enabled: nil, accepted: { $0 > 50 ? 1 : 0 }, refused: { _ in 0 }, latency: 120, refusal: nil,
                    open: 1),
        ]
    }

    static let accountDetail = AccountDetail(
        name: "apex-eval-2",
        positions: [
            OpenPosition(account: "apex-eval-2", tradeID: "ES-20261123-0009", entryTaskID: TaskID(1050), direction: "LONG",
                         contracts: 2, openedAt: ago(2)),
            OpenPosition(account: "apex-eval-2", tradeID: "NQ-20261122-0040", entryTaskID: TaskID(990), direction: "SHORT",
                         contracts: nil, openedAt: ago(40_000)),
        ],
        recentAttempts: [
            log(9119, task: 1050, trade: "ES-20261123-0009", account: "apex-eval-2", status: "SUCCESS", code: 200,
                message: "filled 1 @ 4156.25", age: 2),
            log(9117, task: 1042, trade: "ES-20261123-0007", account: "apex-eval-2", status: "FAILED", code: 503,
                message: "order rejected", age: 95),
        ])

    static let detail = TaskDetail(
        summary: failedTasks[0],
        payload: #"{"kind":"ENTRY","direction":"LONG","entry_price":4156.25,"stop_loss":4150.00,"session":"NY AM","bias":"Bullish"}"#,
        availableAt: ago(60), lockedBy: nil, lockedUntil: nil, finishedAt: ago(40), deadLetterReason: nil,
        auditTrail: [
            log(9001, task: 1042, trade: "ES-20261123-0007", status: "SUCCESS", code: 200, message: "filled 2", age: 95),
            log(9002, task: 1042, trade: "ES-20261123-0007", account: "sim-2", status: "FAILED", code: 503,
                message: "order rejected", age: 94),
            log(9050, task: 1042, trade: "ES-20261123-0007", account: "sim-2", status: "FAILED", code: 503,
                message: "order rejected", age: 60),
            log(9117, task: 1042, trade: "ES-20261123-0007", account: "sim-2", status: "FAILED", code: 503,
                message: "order rejected; attempts exhausted", age: 40),
        ])
}
