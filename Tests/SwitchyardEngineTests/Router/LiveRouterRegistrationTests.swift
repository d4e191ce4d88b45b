import Foundation
import SwitchyardTestSupport
import Testing
@testable import SwitchyardEngine

/// A router with a live connector says so where every dashboard reads it (its row's `dry_run`),
/// and obeys the global pause like any other: `P` stops live orders too.
@Suite(.database) struct LiveRouterRegistrationTests {
    static var liveAccounts: AccountSet {
        var live = Account(name: "apex-live", pointValue: 50, riskPerTrade: 500, maxContracts: 2)
        live.mode = .live
        live.symbol = "ES"
        live.connector = BrokerConnection(url: "http://127.0.0.1:9", tokenEnv: "SY_UNUSED_TOKEN")
        return try! AccountSet(accounts: [live, Account(name: "sim", pointValue: 50, riskPerTrade: 500, maxContracts: 2)])
    }

    func configuration(id: String, live: (any OrderConnector)?) -> ExecutionRouter.Configuration {
        var configuration = ExecutionRouter.Configuration()
        configuration.accounts = Self.liveAccounts
        configuration.liveConnector = live
        configuration.routerID = id
        configuration.pollInterval = .milliseconds(200)
        configuration.heartbeatInterval = .milliseconds(200)
        configuration.alerts = false
        return configuration
    }

    @Test func aLiveRouterIsPausedByTheGlobalPauseAndItsRowSaysLive() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let switches = RouterSwitches(connection: connection)
        try switches.perform(.pauseRouter(reason: "P on a dashboard"), actor: "ops@box")
        try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 2).filter { $0.eventType == .entry })
        let broker = RecordingConnector(refuse: { _ in false })
        let configuration = configuration(id: "live-1", live: broker)
        #expect(configuration.routesLive && configuration.skippedLiveAccounts.isEmpty && configuration.liveSkipNotice == nil)
        let router = try ExecutionRouter(settings: schema.settings(), configuration: configuration)
        router.start()
        defer { router.requestStop() }
        try await waitUntil("the router saw the pause", within: .seconds(60)) { router.status.paused }
        try await Task.sleep(for: .milliseconds(600))   // several polls while paused
        #expect(!router.status.dryRun)
        #expect(broker.orders.isEmpty, "a paused live router sent \(broker.orders.count) orders")
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status <> 'PENDING'") == 0)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_routers WHERE id = 'live-1' AND NOT dry_run AND paused") == 1)

        try switches.perform(.resumeRouter, actor: "ops@box")
        try await waitUntil("both ENTRYs routed", within: .seconds(60)) { router.status.processed == 2 }
        #expect(Set(broker.orders.map(\.account)) == ["apex-live"], "only the live account's orders go to the live connector")
        await router.stop()
    }

    /// A router id reused by a restart in the other mode: the row follows the router running now.
    @Test func aRestartInTheOtherModeRewritesTheRowsMode() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        func mode() throws -> Bool {
            try connection.execute("SELECT dry_run FROM switchyard_routers WHERE id = 'same'").first?.decode("dry_run") ?? true
        }
        let dry = try ExecutionRouter(settings: schema.settings(), configuration: configuration(id: "same", live: nil))
        #expect(dry.configuration.skippedLiveAccounts == ["apex-live"])
        #expect(dry.configuration.liveSkipNotice == "1 live account skipped (apex-live): this router routes dry-run only")
        dry.start()
        try await waitUntil("registered") { try connection.count("SELECT count(*) AS n FROM switchyard_routers WHERE id = 'same'") == 1 }
        #expect(try mode() == true && dry.status.dryRun)
        await dry.stop()

        let live = try ExecutionRouter(settings: schema.settings(),
                                       configuration: configuration(id: "same", live: RecordingConnector(refuse: { _ in false })))
        live.start()
        try await waitUntil("the row says live") { try mode() == false }
        await live.stop()
    }
}
