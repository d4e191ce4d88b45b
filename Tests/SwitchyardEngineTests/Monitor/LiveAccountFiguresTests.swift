import Foundation
import Testing
@testable import SwitchyardEngine

/// The accounts part counts a live account's fills from the order ledger: contracts open,
/// orders and realised P&L on its trading day, in the snapshot and its JSON; a database
/// without the ledger (before migration 17) still shows the accounts, without those figures.
@Suite(.database) struct LiveAccountFiguresTests {
    @Test func aLiveAccountsFiguresComeFromItsOrdersAndFills() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let broker = TestBroker(fillPrice: { order in
            order.tradeID == "open" ? nil : order.event == .entry ? 4500 : 4491
        })
        let live = LiveOrderDeskTests.account("apex", zone: "America/New_York")
        let dry = Account(name: "paper", pointValue: 5, riskPerTrade: 100, maxContracts: 1)
        let desk = try LiveOrderDeskTests.desk(schema, broker, [live])
        #expect(desk.send(LiveOrderDeskTests.entry(1, trade: "closed", contracts: 2)).accepted)
        #expect(desk.send(LiveOrderDeskTests.exit(2, trade: "closed")).accepted)
        #expect(desk.send(LiveOrderDeskTests.entry(3, trade: "open", contracts: 3)).accepted)

        var config = MonitorQueries.Config()
        config.configuredAccounts = [live, dry]
        let snapshot = try MonitorQueries(config: config).snapshot(on: connection)
        let accounts = try #require(snapshot.accounts)
        #expect(accounts.map(\.name) == ["apex", "paper"])
        let figures = try #require(accounts[0].live)
        let today: String = try connection.execute("SELECT (now() AT TIME ZONE 'America/New_York')::date::text AS d").first!.decode("d")
        // 2 filled and closed, 3 sent and not filled; 9 points lost on 2 contracts at 50 a point.
        #expect(figures == AccountFigures.Live(openContracts: 3, ordersToday: 3, realisedToday: -900, tradingDay: today,
                                               timeZone: "America/New_York"))
        #expect(accounts[1].live == nil)
        let json = try SnapshotJSON.encode(snapshot, prettyPrinted: false)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let listed = try #require(document["accounts"] as? [[String: Any]])
        let ledger = try #require(listed.first?["live"] as? [String: Any])
        #expect(ledger["open_contracts"] as? Int == 3 && ledger["orders_today"] as? Int == 3)
        #expect(ledger["realised_pnl_today"] as? Double == -900 && ledger["trading_day"] as? String == today)
        #expect(listed.last?["live"] is NSNull)
    }

    @Test func aDatabaseWithoutTheLedgerShowsTheAccountsWithoutLiveFigures() throws {
        let schema = try TestDatabase.makeSchema()
        try Migrator(migrations: Migrator().migrations.filter { $0.version <= 16 }).up(on: schema.connect(), actor: "test@host")
        var config = MonitorQueries.Config()
        config.configuredAccounts = [LiveOrderDeskTests.account("apex")]
        let snapshot = try MonitorQueries(config: config).snapshot(on: schema.connect())
        #expect(snapshot.unavailable["accounts"] == nil)
        #expect(snapshot.accounts?.map(\.name) == ["apex"] && snapshot.accounts?.first?.live == nil)
    }
}
