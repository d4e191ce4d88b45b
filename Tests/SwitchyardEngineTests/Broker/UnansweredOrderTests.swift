import Foundation
import SwitchyardBroker
import Testing
@testable import SwitchyardEngine

/// Orders whose answer never came and whose task then ended: the desk's follow-up asks the
/// broker by key (never a POST), records the order it finds as its answer would have been, and
/// marks a key the broker never took `unsent`, freeing the position it held.
@Suite(.database) struct UnansweredOrderTests {
    /// An ENTRY task of two attempts, routed until it ends, against `broker`.
    func failedEntry(_ schema: TestSchema, _ broker: BrokerSimulator) async throws -> (TaskID, String) {
        let connection = try schema.connect()
        let id = try TaskQueue(connection: connection).enqueue(
            try NewTask(tradeID: "T1", eventType: .entry, payloadJSON: TaskQueueTests.entryJSON, maxAttempts: 2))
        _ = try await ExactlyOnceTests().drain(schema, [liveAccount("apex-1", simulator: broker)], timeout: .seconds(2))
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE id = \(id) AND status = 'FAILED'") == 1)
        return (id, "\(try DatabaseIdentity.read(on: connection)):\(id.rawValue):apex-1")
    }

    func desk(_ schema: TestSchema, _ broker: BrokerSimulator) throws -> LiveOrderDesk {
        let account = liveAccount("apex-1", simulator: broker)
        return LiveOrderDesk(inner: try testConnector([account]), accounts: try AccountSet(accounts: [account]),
                             settings: schema.settings())
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

    @Test func anOrderWhoseAnswersWereAllLostIsFoundByKeyAndRecordedFilled() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        // Every request is taken and its answer lost (libcurl resends once by itself).
        let broker = try startedSimulator(BrokerFaults(dropAfterRead: 100))
        defer { broker.stop() }
        let (id, key) = try await failedEntry(schema, broker)
        #expect(try row(key, connection) == ("sending", nil, 0))
        #expect(broker.ledger.map(\.key) == [key])
        let posts = broker.requestsReceived
        let desk = try desk(schema, broker)

        // Within a minute of its last send it is left alone.
        #expect(try desk.followOpenOrders(on: connection, now: Date().addingTimeInterval(30)).followed == 0)
        // While its task may still send it again (retried by hand), it is not asked about.
        try connection.execute("UPDATE execution_tasks SET status = 'RETRYING' WHERE id = \(id)")
        #expect(try desk.followOpenOrders(on: connection, now: Date().addingTimeInterval(120)).followed == 0)
        try connection.execute("UPDATE execution_tasks SET status = 'FAILED' WHERE id = \(id)")
        let report = try desk.followOpenOrders(on: connection, now: Date().addingTimeInterval(120))
        #expect(report.followed == 1 && report.changed == 1 && report.unsent == 0, "\(report)")
        #expect(try row(key, connection) == ("filled", "SIM-1", 2))
        #expect(try openContracts(connection) == 2)
        #expect(broker.requestsReceived == posts && broker.ledger.count == 1)
        // Answered: never asked by key again.
        #expect(try desk.followOpenOrders(on: connection, now: Date().addingTimeInterval(600)).followed == 0)
    }

    @Test func anOrderTheBrokerNeverTookBecomesUnsentAndFreesThePosition() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let broker = try startedSimulator(BrokerFaults(failNext: 100))
        defer { broker.stop() }
        let (id, key) = try await failedEntry(schema, broker)
        // A 503 is retried with the same key, so it leaves the row `sending`, holding 2 contracts.
        #expect(try row(key, connection) == ("sending", nil, 0))
        #expect(try openContracts(connection) == 2)
        #expect(broker.ledger.isEmpty)
        let posts = broker.requestsReceived
        let desk = try desk(schema, broker)

        // Asked while the broker does not answer (nothing listens on its port): left for the next step.
        let gone = try startedSimulator()
        gone.stop()
        let unanswered = try self.desk(schema, gone).followOpenOrders(on: connection, now: Date().addingTimeInterval(120))
        #expect(unanswered.followed == 1 && unanswered.unsent == 0 && unanswered.failures.count == 1, "\(unanswered)")
        #expect(try row(key, connection).state == "sending")

        let report = try desk.followOpenOrders(on: connection, now: Date().addingTimeInterval(180))
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
