import Foundation
import SwitchyardBroker
import Testing
@testable import SwitchyardEngine

/// Orders whose answer never came and whose task then ended: the desk's follow-up asks the
/// broker by key (never a POST), records the order it finds as its answer would have been, and
/// marks a key the broker never took `unsent`, freeing the position it held.
@Suite(.database) struct UnansweredOrderTests {
    /// An ENTRY task of two attempts, routed through `desk` (the router's own steps: claim,
    /// route, write back) until it ends FAILED. Answers its id and its order's key.
    func failedEntry(_ connection: PGConnection, _ desk: LiveOrderDesk) throws -> (TaskID, String) {
        let id = try TaskQueue(connection: connection).enqueue(
            try NewTask(tradeID: "T1", eventType: .entry, payloadJSON: TaskQueueTests.entryJSON, maxAttempts: 2))
        let routing = TaskRouting(accounts: desk.accounts, connector: DryRunConnector(), liveConnector: desk,
                                  databaseID: try DatabaseIdentity.read(on: connection))
        let completer = TaskCompleter(routerID: "r", retryPolicy: RetryPolicy(base: .zero, cap: .zero, jitter: 0))
        var claimer = TaskClaimer(routerID: "r", config: TaskClaimer.Config(), metrics: RouterMetrics())
        for _ in 1...2 {
            let claimed = try claimer.runOnce(on: connection)
            _ = try completer.runOnce(claimed.map(routing.route), of: claimed, on: connection)
        }
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE id = \(id) AND status = 'FAILED'") == 1)
        return (id, "\(try DatabaseIdentity.read(on: connection)):\(id.rawValue):apex-1")
    }

    func desk(_ schema: TestSchema, _ broker: BrokerSimulator) throws -> LiveOrderDesk {
        let account = liveAccount("apex-1", simulator: broker)
        var config = LiveOrderDesk.Config()
        config.connections = 1
        return LiveOrderDesk(inner: try testConnector([account]), accounts: try AccountSet(accounts: [account]),
                             settings: schema.settings(), config: config)
    }

    /// `seconds` after the order's last send, on the database's clock.
    func afterLastSend(_ key: String, _ seconds: Double, _ connection: PGConnection) throws -> Date {
        let sent: Date = try connection.execute("SELECT last_sent_at FROM switchyard_orders WHERE idempotency_key = \(key)")
            .first!.decode("last_sent_at")
        return sent.addingTimeInterval(seconds)
    }

    func row(_ key: String, _ connection: PGConnection) throws -> (state: String, brokerID: String?, filled: Int) {
        let row = try #require(try connection.execute("""
            SELECT state, broker_order_id, filled_quantity FROM switchyard_orders WHERE idempotency_key = \(key)
            """).first)
        return (try row.decode("state"), try row.decodeIfPresent("broker_order_id"), try row.decode("filled_quantity"))
    }

    func openContracts(_ connection: PGConnection) throws -> Int {
        try connection.execute(OrderLedgerQueries.openContracts(accounts: ["apex-1"])).first?.decode("open") ?? 0
    }

    @Test func anOrderWhoseAnswersWereAllLostIsFoundByKeyAndRecordedFilled() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        // Every request is taken and its answer lost (libcurl resends once by itself).
        let broker = try startedSimulator(BrokerFaults(dropAfterRead: 100))
        defer { broker.stop() }
        let desk = try desk(schema, broker)
        let (id, key) = try failedEntry(connection, desk)
        #expect(try row(key, connection) == ("sending", nil, 0))
        #expect(broker.ledger.map(\.key) == [key])
        let posts = broker.requestsReceived

        // Within a minute of its last send it is left alone.
        #expect(try desk.followOpenOrders(on: connection, now: afterLastSend(key, 30, connection)).followed == 0)
        // While its task may still send it again (retried by hand), it is not asked about.
        try connection.execute("UPDATE execution_tasks SET status = 'RETRYING' WHERE id = \(id)")
        #expect(try desk.followOpenOrders(on: connection, now: afterLastSend(key, 61, connection)).followed == 0)
        try connection.execute("UPDATE execution_tasks SET status = 'FAILED' WHERE id = \(id)")
        let report = try desk.followOpenOrders(on: connection, now: afterLastSend(key, 61, connection))
        #expect(report.followed == 1 && report.changed == 1 && report.unsent == 0, "\(report)")
        #expect(try row(key, connection) == ("filled", "SIM-1", 2))
        #expect(try openContracts(connection) == 2)
        #expect(broker.requestsReceived == posts && broker.ledger.count == 1)
        // Answered: never asked by key again.
        #expect(try desk.followOpenOrders(on: connection, now: afterLastSend(key, 600, connection)).followed == 0)
    }

    @Test func anOrderTheBrokerNeverTookBecomesUnsentAndFreesThePosition() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let broker = try startedSimulator(BrokerFaults(failNext: 100))
        defer { broker.stop() }
        let desk = try desk(schema, broker)
        let (id, key) = try failedEntry(connection, desk)
        // A 503 is retried with the same key, so it leaves the row `sending`, holding 2 contracts.
        #expect(try row(key, connection) == ("sending", nil, 0))
        #expect(try openContracts(connection) == 2)
        #expect(broker.ledger.isEmpty)
        let posts = broker.requestsReceived

        // Asked while the broker does not answer (nothing listens on its port): left for the next step.
        let gone = try startedSimulator()
        gone.stop()
        let unanswered = try self.desk(schema, gone).followOpenOrders(on: connection, now: afterLastSend(key, 61, connection))
        #expect(unanswered.followed == 1 && unanswered.unsent == 0 && unanswered.failures.count == 1, "\(unanswered)")
        #expect(try row(key, connection).state == "sending")

        let report = try desk.followOpenOrders(on: connection, now: afterLastSend(key, 120, connection))
        #expect(report.followed == 1 && report.unsent == 1 && report.failures.isEmpty, "\(report)")
        #expect(try row(key, connection) == ("unsent", nil, 0))
        #expect(try openContracts(connection) == 0)
        #expect(broker.ledger.isEmpty && broker.requestsReceived == posts)
        let reason: String? = try connection.execute("SELECT reason FROM switchyard_orders WHERE idempotency_key = \(key)")
            .first!.decodeIfPresent("reason")
        #expect(reason?.contains("no order under \(key)") == true, "\(reason ?? "")")

        // Settled: the task run again is answered from the ledger, never sent.
        let again = desk.send(entryOrder(task: id.rawValue, account: "apex-1", databaseID: try DatabaseIdentity.read(on: connection)))
        #expect(again.disposition == .refused && again.message.contains("never reached the broker"), "\(again.message)")
        #expect(broker.requestsReceived == posts)

        // The schema before migration 20 cannot hold the row: migrating down refuses, keeping it.
        #expect(throws: DatabaseError.self) { try Migrator().down(to: 19, on: connection) }
        #expect(try row(key, connection).state == "unsent")
    }
}
