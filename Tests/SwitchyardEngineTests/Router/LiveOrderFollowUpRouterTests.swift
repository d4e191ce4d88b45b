import Foundation
import Testing
@testable import SwitchyardEngine
import SwitchyardTestSupport

/// A router whose live connector is a `LiveOrderDesk` routes a live account's ENTRY through the
/// desk's ledger and follows the broker's order to its fill by itself (its follow-up worker).
@Suite(.database) struct LiveOrderFollowUpRouterTests {
    @Test func aRouterWithADeskFollowsTheOrdersItSentToTheirFills() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let accounts = try AccountSet(accounts: [LiveOrderDeskTests.account()])
        let broker = TestBroker()
        var deskConfig = LiveOrderDesk.Config()
        (deskConfig.followInterval, deskConfig.followEvery) = (.milliseconds(50), .zero)
        let desk = LiveOrderDesk(inner: broker, accounts: accounts, settings: schema.settings(), config: deskConfig)
        var configuration = ExecutionRouter.Configuration()
        (configuration.accounts, configuration.liveConnector, configuration.alerts) = (accounts, desk, false)
        configuration.pollInterval = .milliseconds(100)
        let router = try ExecutionRouter(settings: schema.settings(), configuration: configuration, connector: DryRunConnector())
        router.start()
        defer { router.requestStop() }
        let ids = try TaskQueue(connection: connection).enqueue([
            try NewTask(tradeID: "T1", eventType: .entry, payloadJSON: TaskQueueTests.entryJSON)])
        try await onOwnThread {
            try schema.connect().waitForAny("SELECT count(*) AS n FROM switchyard_orders WHERE state = 'accepted'", timeout: 20)
        }
        let key = try #require(broker.orders.keys.first)
        #expect(key == "\(try DatabaseIdentity.read(on: connection)):\(ids[0].rawValue):apex")
        broker.fill(key, quantity: broker.orders[key]?.contracts ?? 0, price: 4156.25)
        try await onOwnThread {
            try schema.connect().waitForAny("SELECT count(*) AS n FROM switchyard_orders WHERE state = 'filled'", timeout: 20)
        }
        #expect(try connection.count("""
            SELECT count(*) AS n FROM switchyard_orders WHERE state = 'filled' AND average_price = 4156.25 AND sends = 1
            """) == 1)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs WHERE account = 'apex' AND status = 'SUCCESS'") == 1)
        await router.stop()
        #expect(router.status.lastError == nil)
    }
}
