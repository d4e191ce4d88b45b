import Foundation
import Prometheus
import Testing
@testable import SwitchyardEngine
@testable import SwitchyardMetrics

/// A position never opens after its exit: an ENTRY whose trade's EXIT already ran is refused by
/// the router itself, whatever put it back (tasks retry, retry-all, hold and resume, a plain SQL
/// reset, a rescue). Driven through the router's own steps (claim, route, write back) on the
/// test database, with a connector that records every order.
@Suite(.database) struct EntryAfterExitTests {
    static let accounts = try! AccountSet(accounts: ["alpha", "beta", "gamma"].map {
        Account(name: $0, pointValue: 50, riskPerTrade: 1000, maxContracts: 5)
    })

    /// The router's steps, once: claim what is waiting, route each task, write the batch back.
    func routeOnce(_ connection: PGConnection, _ connector: RecordingConnector,
                   metrics: RouterMetrics = RouterMetrics()) throws -> CompletionReport {
        var claimer = TaskClaimer(routerID: "r", config: TaskClaimer.Config(), metrics: metrics)
        let claimed = try claimer.runOnce(on: connection)
        let routing = TaskRouting(accounts: Self.accounts, connector: connector, metrics: metrics)
        let completer = TaskCompleter(routerID: "r", retryPolicy: RetryPolicy(base: .zero, cap: .zero, jitter: 0),
                                      metrics: metrics)
        return try completer.runOnce(claimed.map(routing.route), of: claimed, on: connection)
    }

    /// The case seen in production: trade T's ENTRY refused by every account on its only
    /// attempt (FAILED), then its EXIT, which found nothing to close (SUCCESS).
    func entryFailedAndExitRan(_ connection: PGConnection) throws -> (entry: TaskID, exit: TaskID) {
        let ids = try TaskQueue(connection: connection).enqueue([
            try NewTask(tradeID: "T", eventType: .entry, payloadJSON: TaskQueueTests.entryJSON, maxAttempts: 1),
            try NewTask(tradeID: "T", eventType: .exit, payloadJSON: TaskQueueTests.exitJSON),
        ])
        let refuseAll = RecordingConnector(refuse: { _ in true })
        #expect(try routeOnce(connection, refuseAll).failed == [ids[0]])
        #expect(try routeOnce(connection, refuseAll).succeeded == [ids[1]])
        #expect(refuseAll.orders.map(\.taskID) == [ids[0], ids[0], ids[0]])
        #expect(try status(ids[1], connection) == "SUCCESS")
        return (ids[0], ids[1])
    }

    func status(_ id: TaskID, _ connection: PGConnection) throws -> String {
        try connection.execute("SELECT status FROM execution_tasks WHERE id = \(id)").first!.decode("status")
    }

    /// Routes what is waiting and checks that `entry` was refused: no order sent, a FAILED
    /// attempt naming the EXIT for each of `accounts`, the task FAILED for good, and counted.
    func expectRefused(_ entry: TaskID, exit: TaskID, _ connection: PGConnection,
                       accounts: [String] = ["alpha", "beta", "gamma"]) throws {
        let factory = PrometheusFactory()
        let connector = RecordingConnector(refuse: { _ in false })
        let report = try routeOnce(connection, connector, metrics: RouterMetrics(factory: factory))
        #expect(report.refused == [entry] && report.failed.contains(entry) && !report.retrying.contains(entry))
        #expect(connector.orders.allSatisfy { $0.taskID != entry }, "\(connector.orders)")
        let rows = try connection.execute("""
            SELECT account, status, response_code, response_body FROM execution_logs
            WHERE task_id = \(entry) AND event = 'ATTEMPT' AND response_body LIKE 'Refused:%' ORDER BY account
            """).rows
        #expect(try rows.map { try $0.decode("account", as: String.self) } == accounts)
        for row in rows {
            #expect(try row.decode("status", as: String.self) == "FAILED")
            #expect(try row.decode("response_code", as: Int.self) == 409)
            let body: String = try row.decode("response_body")
            #expect(body.contains("EXIT \(exit) already ran") && body.contains("nothing was sent") && body.contains("dead-letter it"),
                    "\(body)")
        }
        let task = try connection.execute("SELECT status, last_error, finished_at IS NOT NULL AS finished FROM execution_tasks WHERE id = \(entry)").first!
        #expect(try task.decode("status", as: String.self) == "FAILED")
        #expect(try task.decode("finished", as: Bool.self))
        let error: String = try task.decode("last_error")
        #expect(error.hasPrefix("Refused for \(accounts.count) account(s): trade T's EXIT \(exit) already ran") && error.contains("dead-letter it"),
                "\(error)")
        let exposition = String(decoding: factory.registry.emitToBuffer(), as: UTF8.self)
        #expect(exposition.contains("\n\(RouterMetrics.Name.entriesRefused) 1\n"), "\(exposition)")
        #expect(exposition.contains("\(RouterMetrics.Name.tasksFinished){status=\"FAILED\"} 1\n"), "\(exposition)")
        // The refusal is final: the next pass does not claim it again.
        let next = try routeOnce(connection, connector)
        #expect(![next.succeeded, next.retrying, next.failed].joined().contains(entry))
        #expect(connector.orders.allSatisfy { $0.taskID != entry })
        #expect(try status(entry, connection) == "FAILED")
    }

    @Test func tasksRetryRefusesItAsBefore() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let (entry, exit) = try entryFailedAndExitRan(connection)
        do {
            try OperatorActions(connection: connection).perform(.retry([entry]), actor: "ops@box")
            Issue.record("retrying an ENTRY whose EXIT ran was accepted")
        } catch let error as ActionError {
            #expect(error.message == "Cannot retry task \(entry): its trade's EXIT \(exit) already ran, so the position must not "
                        + "open again (the router would refuse it too). Dead-letter it instead.")
        }
        #expect(try status(entry, connection) == "FAILED")
        #expect(try routeOnce(connection, RecordingConnector(refuse: { _ in false })).claimedNothing)
    }

    @Test func retryAllRefusesItAndSaysSo() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let (entry, _) = try entryFailedAndExitRan(connection)
        let report = try OperatorActions(connection: connection).perform(.retryMatching(TaskFilter()), actor: "ops@box")
        #expect(report.changed.isEmpty && report.skipped == [entry: .exitAlreadyRan])
        #expect(report.summary == "Retried 0 tasks; refused 1 because its trade's EXIT already ran (\(entry)).")
        #expect(try status(entry, connection) == "FAILED")
        #expect(try routeOnce(connection, RecordingConnector(refuse: { _ in false })).claimedNothing)
    }

    /// Hold then resume (`h` twice on the dashboard) leaves a FAILED ENTRY FAILED; an operator
    /// who then resets it by SQL anyway meets the router's refusal.
    @Test func holdAndResumeKeepItFailedAndTheRouterRefusesASQLResetAfterwards() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let (entry, exit) = try entryFailedAndExitRan(connection)
        let finishedAt = { try connection.execute("SELECT finished_at::text AS f FROM execution_tasks WHERE id = \(entry)").first!
            .decode("f", as: String.self) }
        let before = try finishedAt()
        let actions = OperatorActions(connection: connection)
        try actions.perform(.hold([entry]), actor: "ops@box")
        #expect(try status(entry, connection) == "HELD")
        let resumed = try actions.perform(.resume([entry]), actor: "ops@box")
        #expect(resumed.summary == "Resumed 1 task (\(entry) back to FAILED, the state it was held from; retry to run it).")
        #expect(try status(entry, connection) == "FAILED")
        #expect(try finishedAt() == before)
        #expect(try routeOnce(connection, RecordingConnector(refuse: { _ in false })).claimedNothing)

        try connection.execute("UPDATE execution_tasks SET status = 'PENDING' WHERE id = \(entry)")
        try expectRefused(entry, exit: exit, connection)
    }

    /// The seed system's operators' retry: a plain UPDATE to PENDING. Attempts left or not, the
    /// refusal is final (FAILED, never RETRYING).
    @Test func aPlainSQLResetIsRefused() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let (entry, exit) = try entryFailedAndExitRan(connection)
        try connection.execute("UPDATE execution_tasks SET status = 'PENDING', max_attempts = 5 WHERE id = \(entry)")
        try expectRefused(entry, exit: exit, connection)
    }

    /// A DEAD ENTRY never attempted, reset by SQL: its claim is its first attempt, and it is
    /// still refused.
    @Test func aFirstAttemptIsRefusedToo() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let ids = try TaskQueue(connection: connection).enqueue([
            try NewTask(tradeID: "T", eventType: .entry, payloadJSON: TaskQueueTests.entryJSON),
            try NewTask(tradeID: "T", eventType: .exit, payloadJSON: TaskQueueTests.exitJSON),
        ])
        try OperatorActions(connection: connection).perform(.deadLetter([ids[0]], reason: "bad signal"), actor: "ops@box")
        #expect(try routeOnce(connection, RecordingConnector(refuse: { _ in false })).succeeded == [ids[1]])
        try connection.execute("UPDATE execution_tasks SET status = 'PENDING' WHERE id = \(ids[0])")
        #expect(try connection.count("SELECT attempts AS n FROM execution_tasks WHERE id = \(ids[0])") == 0)
        try expectRefused(ids[0], exit: ids[1], connection)
    }

    /// An ENTRY in flight when its router died (put there by a reset while it was claimed):
    /// taken back by another router's rescue, then refused at its next claim.
    @Test func aRescuedEntryIsRefused() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let (entry, exit) = try entryFailedAndExitRan(connection)
        try connection.execute("""
            UPDATE execution_tasks SET status = 'RUNNING', max_attempts = 5, locked_by = 'gone',
                locked_until = now() - interval '1 minute', finished_at = NULL
            WHERE id = \(entry)
            """)
        #expect(try LeaseRescuer(rescuerID: "r").runOnce(on: connection) == [entry])
        #expect(try status(entry, connection) == "RETRYING")
        try expectRefused(entry, exit: exit, connection)
    }

    /// The EXIT closed alpha's position but not beta's; then the whole trade is reset by SQL,
    /// attempts and all. The ENTRY is sent to no one (gamma, the one account that never accepted
    /// it, is refused: the EXIT's acceptance shows it ran), and the EXIT then closes beta only.
    @Test func anExitAcceptedByOneAccountRefusesTheEntryEvenWithItsAttemptsReset() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let ids = try TaskQueue(connection: connection).enqueue([
            try NewTask(tradeID: "T", eventType: .entry, payloadJSON: TaskQueueTests.entryJSON, maxAttempts: 1),
            try NewTask(tradeID: "T", eventType: .exit, payloadJSON: TaskQueueTests.exitJSON, maxAttempts: 1),
        ])
        #expect(try routeOnce(connection, RecordingConnector(refuse: { $0.account == "gamma" })).failed == [ids[0]])
        #expect(try routeOnce(connection, RecordingConnector(refuse: { $0.account == "beta" })).failed == [ids[1]])
        try connection.execute("UPDATE execution_tasks SET status = 'PENDING', attempts = 0, finished_at = NULL WHERE trade_id = 'T'")

        try expectRefused(ids[0], exit: ids[1], connection, accounts: ["gamma"])
        // expectRefused's last pass routed the EXIT: to beta only, alpha having closed already.
        let closes = try connection.execute("""
            SELECT account FROM execution_logs WHERE task_id = \(ids[1]) AND status = 'SUCCESS' ORDER BY id
            """).rows.map { try $0.decode("account", as: String.self) }
        #expect(closes == ["alpha", "beta"])
        #expect(try status(ids[1], connection) == "SUCCESS")
    }

    /// The rule takes nothing from the normal order: an ENTRY retried before its EXIT ran is
    /// routed, and the EXIT then closes every position it opened.
    @Test func anEntryRetriedBeforeItsExitRanIsRoutedAndTheExitClosesIt() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let actions = OperatorActions(connection: connection)
        let ids = try TaskQueue(connection: connection).enqueue([
            try NewTask(tradeID: "T", eventType: .entry, payloadJSON: TaskQueueTests.entryJSON, maxAttempts: 1),
            try NewTask(tradeID: "T", eventType: .exit, payloadJSON: TaskQueueTests.exitJSON),
        ])
        try actions.perform(.pauseEventType(.exit, reason: "hold exits while the ENTRY is retried"), actor: "ops@box")
        #expect(try routeOnce(connection, RecordingConnector(refuse: { _ in true })).failed == [ids[0]])
        #expect(try actions.perform(.retry([ids[0]]), actor: "ops@box").changed == [ids[0]])
        let connector = RecordingConnector(refuse: { _ in false })
        #expect(try routeOnce(connection, connector).succeeded == [ids[0]])
        try actions.perform(.resumeEventType(.exit), actor: "ops@box")
        let last = try routeOnce(connection, connector)
        #expect(last.succeeded == [ids[1]] && last.refused.isEmpty)
        #expect(connector.orders.map { "\($0.taskID) \($0.account) \($0.side.rawValue)" }
                == ["\(ids[0]) alpha BUY", "\(ids[0]) beta BUY", "\(ids[0]) gamma BUY",
                    "\(ids[1]) alpha CLOSE", "\(ids[1]) beta CLOSE", "\(ids[1]) gamma CLOSE"])
    }
}

extension CompletionReport {
    /// True when the pass had nothing to write: no task was claimed.
    var claimedNothing: Bool { succeeded.isEmpty && retrying.isEmpty && failed.isEmpty && lost.isEmpty }
}
