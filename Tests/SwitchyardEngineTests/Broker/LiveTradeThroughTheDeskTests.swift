import Foundation
import SwitchyardBroker
import Testing
@testable import SwitchyardEngine

/// A router given the order webhook routes every live order through the desk (ledger, risk
/// limits, EXIT resolution) on its way to a real broker simulator.
@Suite(.database) struct LiveTradeThroughTheDeskTests {
    @Test func aTradeOpensAndClosesAtTheBrokerAndItsLossStopsTheNextEntry() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let broker = BrokerSimulator(token: testBrokerToken, marketPrice: 4150)
        try broker.start()
        defer { broker.stop() }
        var account = liveAccount("apex-1", simulator: broker)
        account.limits.dailyLossLimit = 600
        let queue = TaskQueue(connection: connection)
        let trade = try queue.enqueue([
            try NewTask(tradeID: "T1", eventType: .entry, payloadJSON: TaskQueueTests.entryJSON),
            try NewTask(tradeID: "T1", eventType: .exit, payloadJSON: TaskQueueTests.exitJSON),
        ])
        _ = try await ExactlyOnceTests().drain(schema, [account])

        // The ENTRY: 2 contracts (1,000 / (6.25 points x 50), at most 2) bought at its limit;
        // the EXIT: the opposite side for what the ENTRY filled, at market, reducing only.
        let orders = broker.ledger.map(\.order)
        #expect(orders.count == 2)
        #expect(orders.first { $0.event == "ENTRY" }.map { [$0.side, "\($0.quantity)", $0.orderType, "\($0.reduceOnly)"] }
                == ["BUY", "2", "limit", "false"])
        #expect(orders.first { $0.event == "EXIT" }.map { [$0.side, "\($0.quantity)", $0.orderType, "\($0.reduceOnly)"] }
                == ["SELL", "2", "market", "true"])
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'SUCCESS'") == trade.count)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_orders WHERE state = 'filled'") == 2)

        // Sold at 4,150 what was bought at 4,156.25: 6.25 x 2 x 50 = 625 lost today, over the
        // 600 limit, so the next ENTRY is refused before anything is sent.
        let next = try queue.enqueue([try NewTask(tradeID: "T2", eventType: .entry, payloadJSON: TaskQueueTests.entryJSON)])
        _ = try await ExactlyOnceTests().drain(schema, [account])
        #expect(broker.ledger.count == 2)
        let refusal: String = try connection.execute("""
            SELECT response_body FROM execution_logs WHERE task_id = \(next[0]) AND account = 'apex-1'
            """).first!.decode("response_body")
        #expect(refusal.contains("daily_loss_limit") && refusal.contains("nothing was sent"), "\(refusal)")
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE id = \(next[0]) AND status = 'FAILED'") == 1)
    }

    @Test func anEntryOverMaxPositionIsRefusedWithoutASendAndOneAtItPasses() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let broker = try startedSimulator()
        defer { broker.stop() }
        var tight = liveAccount("tight", simulator: broker)
        tight.limits.maxPosition = 1
        var exact = liveAccount("exact", simulator: broker)
        exact.limits.maxPosition = 2
        let ids = try TaskQueue(connection: connection).enqueue([
            try NewTask(tradeID: "T1", eventType: .entry, payloadJSON: TaskQueueTests.entryJSON, maxAttempts: 3)])
        _ = try await ExactlyOnceTests().drain(schema, [tight, exact])
        #expect(broker.ledger.map(\.order.account) == ["exact"])
        let refusal: String = try connection.execute("""
            SELECT response_body FROM execution_logs WHERE task_id = \(ids[0]) AND account = 'tight'
            """).first!.decode("response_body")
        #expect(refusal.contains("max_position"), "\(refusal)")
        // Refused for good, not retried: one attempt.
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'FAILED' AND attempts = 1") == 1)
    }
}
