import Foundation
import Testing
@testable import SwitchyardEngine
import SwitchyardTestSupport

/// The desk's risk limits at their boundaries: at the limit an order passes, one over is refused
/// with the limit, its value and what the order would make it; EXITs are never refused; two
/// desks on one account never cross a limit together. Times are injected as the database's clock.
@Suite(.database) struct LiveOrderDeskRiskTests {
    typealias Fixture = LiveOrderDeskTests
    /// 2026-12-07 15:00 UTC.
    static let base = Date(timeIntervalSince1970: 1_796_655_600)

    @Test func maxPositionPassesAtTheLimitAndRefusesOneOverUntilATradeCloses() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let broker = TestBroker()
        let desk = try Fixture.desk(schema, broker, [Fixture.account(limits: RiskLimits(maxPosition: 3))])
        #expect(desk.send(Fixture.entry(1, contracts: 2)).accepted)
        #expect(desk.send(Fixture.entry(2, contracts: 1)).accepted)
        let over = desk.send(Fixture.entry(3, contracts: 1))
        #expect(over.disposition == .refused)
        #expect(over.message == "Refused: max_position is 3: this ENTRY (BUY 1) would make apex's open position 4 contracts "
                + "(3 open or pending); nothing was sent.")
        #expect(broker.requests.count == 2)
        // Never sent, so its task retried (the same key) is checked again: still over, still refused.
        let again = desk.send(Fixture.entry(3, contracts: 1))
        #expect(again.disposition == .refused && again.message == over.message && broker.requests.count == 2)

        // Trade T1 fills and closes: its two contracts are free again.
        let later = Date().addingTimeInterval(60)
        broker.fill(Fixture.entry(1).idempotencyKey, quantity: 2, price: 4500)
        _ = try desk.followOpenOrders(on: connection, now: later)
        let exit = Fixture.exit(4, trade: "T1")
        #expect(desk.send(exit).accepted)
        broker.fill(exit.idempotencyKey, quantity: 2, price: 4510)
        _ = try desk.followOpenOrders(on: connection, now: later.addingTimeInterval(10))
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_orders WHERE closed_at IS NOT NULL AND event = 'ENTRY'") == 2)
        #expect(desk.send(Fixture.entry(5, contracts: 2)).accepted)
        #expect(desk.send(Fixture.entry(6, contracts: 1)).disposition == .refused)
    }

    @Test func twoDesksRacingOnOneAccountNeverCrossMaxPositionTogether() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let broker = TestBroker()
        let accounts = [Fixture.account(limits: RiskLimits(maxPosition: 5))]
        let desks = [try Fixture.desk(schema, broker, accounts), try Fixture.desk(schema, broker, accounts)]
        try await onOwnThread {
            DispatchQueue.concurrentPerform(iterations: 30) { index in
                _ = desks[index % 2].send(Fixture.entry(index + 1))
            }
        }
        let connection = try schema.connect()
        #expect(broker.orders.count == 5)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_orders WHERE state = 'accepted'") == 5)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_orders WHERE state = 'refused' AND sends = 0") == 25)
    }

    @Test func maxOrdersPerMinuteCountsTheLastMinuteOnTheDatabaseClockAndNeverRefusesAnExit() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let broker = TestBroker()
        let desk = try Fixture.desk(schema, broker, [Fixture.account(limits: RiskLimits(maxOrdersPerMinute: 3))])
        func at(_ seconds: Double) -> Date { Self.base.addingTimeInterval(seconds) }
        #expect(desk.place(Fixture.entry(1), now: at(0)).accepted)
        #expect(desk.place(Fixture.entry(2), now: at(10)).accepted)
        #expect(desk.place(Fixture.entry(3), now: at(20)).accepted)
        let over = desk.place(Fixture.entry(4), now: at(30))
        #expect(over.message == "Refused: max_orders_per_minute is 3: this order would make it 4 orders sent to apex in the "
                + "last minute; nothing was sent.")
        #expect(desk.place(Fixture.exit(5, trade: "T1"), now: at(31)).accepted)
        // Sent at 10, 20 and 31 are within the minute before 61; those at 20 and 31 before 71.
        #expect(desk.place(Fixture.entry(6), now: at(61)).disposition == .refused)
        #expect(desk.place(Fixture.entry(7), now: at(71)).accepted)
        // A refused order was never sent: its task retried (the same key) is checked again,
        // still over at 75 (20, 31 and 71 in the minute), within the limit at 95 (31 and 71).
        #expect(desk.place(Fixture.entry(4), now: at(75)).message.contains("would make it 4 orders"))
        #expect(desk.place(Fixture.entry(4), now: at(95)).accepted)
        #expect(broker.requests.filter { $0.idempotencyKey == Fixture.entry(4).idempotencyKey }.count == 1)
    }

    @Test func dailyLossCountsTheTradingDayInTheAccountsTimeZone() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let exits: [String: Double] = ["L1": 4491, "L2": 4499]
        let broker = TestBroker(fillPrice: { order in order.event == .entry ? 4500 : exits[order.tradeID] ?? 4500 })
        let limits = RiskLimits(dailyLossLimit: 500)
        let desk = try Fixture.desk(schema, broker, [Fixture.account("ny", limits: limits, zone: "America/New_York"),
                                                     Fixture.account("utc", limits: limits)])
        // 2026-12-08 04:00 UTC is 23:00 on the 7th in New York; 05:01 UTC is 00:01 on the 8th there.
        let evening = Date(timeIntervalSince1970: 1_796_702_400)
        func at(_ minutes: Double) -> Date { evening.addingTimeInterval(minutes * 60) }
        for name in ["ny", "utc"] {
            func entry(_ task: Int, _ trade: String) -> Order { Fixture.entry(task, trade: trade, account: name) }
            #expect(desk.place(entry(1, "L1"), now: at(0)).accepted)
            #expect(desk.place(Fixture.exit(2, trade: "L1", account: name), now: at(1)).accepted)      // 9 points: 450 lost
            #expect(desk.place(entry(3, "L2"), now: at(2)).accepted, "450 is under the limit")
            #expect(desk.place(entry(4, "open"), now: at(2.5)).accepted)
            #expect(desk.place(Fixture.exit(5, trade: "L2", account: name), now: at(3)).accepted)      // 1 point: 500 lost
            let refused = desk.place(entry(6, "N1"), now: at(4))
            #expect(refused.disposition == .refused)
            let day = name == "ny" ? "2026-12-07 (America/New_York)" : "2026-12-08 (UTC)"
            #expect(refused.message == "Refused: daily_loss_limit is 500.00: \(name)'s realised loss on its trading day \(day) "
                    + "is 500.00, so no ENTRY is sent until the next trading day; nothing was sent.")
            // Closing is never refused.
            #expect(desk.place(Fixture.exit(7, trade: "open", account: name), now: at(5)).accepted)
            // A new trading day in New York at 05:01 UTC; still the same day in UTC.
            let nextDay = desk.place(entry(8, "N2"), now: at(61))
            #expect(nextDay.accepted == (name == "ny"), "\(name): \(nextDay.message)")
        }
    }
}
