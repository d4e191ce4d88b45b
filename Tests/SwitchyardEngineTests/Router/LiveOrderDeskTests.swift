import Foundation
import Testing
@testable import SwitchyardEngine
import SwitchyardTestSupport

/// The order desk's ledger on the test database: one row per idempotency key whatever retries
/// it, EXITs resolved from their ENTRY, settled rows answered without sending, follow-ups
/// recording fills. The broker is `TestBroker` (in-process, see its comment).
@Suite(.database) struct LiveOrderDeskTests {
    static func account(_ name: String = "apex", limits: RiskLimits = RiskLimits(), zone: String? = nil,
                        pointValue: Double = 50) -> Account {
        var account = Account(name: name, pointValue: pointValue, riskPerTrade: 1000, maxContracts: 10)
        (account.mode, account.symbol, account.limits, account.timeZone) = (.live, "ES", limits, zone)
        account.connector = BrokerConnection(url: "http://127.0.0.1:9", tokenEnv: "APEX_TOKEN")
        return account
    }

    static func desk(_ schema: TestSchema, _ broker: TestBroker, _ accounts: [Account] = [account()]) throws -> LiveOrderDesk {
        try LiveOrderDesk(inner: broker, accounts: AccountSet(accounts: accounts), settings: schema.settings())
    }

    static func entry(_ task: Int, trade: String? = nil, account: String = "apex", contracts: Int = 1,
                      side: Order.Side = .buy, attempt: Int = 1) -> Order {
        Order(taskID: TaskID(task), tradeID: trade ?? "T\(task)", account: account, event: .entry, side: side,
              contracts: contracts, price: 4500.25, symbol: "ES", kind: .limit, databaseID: "db", attempt: attempt)
    }

    static func exit(_ task: Int, trade: String, account: String = "apex") -> Order {
        Order(taskID: TaskID(task), tradeID: trade, account: account, event: .exit, side: .close, contracts: nil,
              price: 4490, symbol: "ES", kind: .market, databaseID: "db", attempt: 1)
    }

    static func row(_ key: String, _ connection: PGConnection) throws -> Row? {
        try connection.execute("""
            SELECT state, sends, quantity, side, order_kind, broker_order_id, filled_quantity, average_price::float8 AS price,
                   reason, first_sent_at IS NOT NULL AS sent, first_sent_at <= last_sent_at AS ordered
            FROM switchyard_orders WHERE idempotency_key = \(key)
            """).first
    }

    @Test func aNewOrderIsOneRowAndARetryAfterALostAnswerIsTheSameOrder() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let broker = TestBroker()
        let desk = try Self.desk(schema, broker)
        let order = Self.entry(1, contracts: 2)
        broker.dropAfterRead(order.idempotencyKey)

        let lost = desk.send(order)
        #expect(lost.disposition == .retry(after: nil))
        var row = try #require(try Self.row(order.idempotencyKey, connection))
        #expect(try row.decode("state", as: String.self) == "sending" && row.decode("sends", as: Int.self) == 1)

        var retried = order
        retried.attempt = 2
        let answer = desk.send(retried)
        #expect(answer.disposition == .accepted && answer.broker?.orderID == "B-1")
        row = try #require(try Self.row(order.idempotencyKey, connection))
        #expect(try row.decode("state", as: String.self) == "accepted" && row.decode("sends", as: Int.self) == 2)
        #expect(try row.decode("broker_order_id", as: String.self) == "B-1" && row.decode("ordered", as: Bool.self))
        #expect(try row.decode("side", as: String.self) == "BUY" && row.decode("quantity", as: Int.self) == 2)
        #expect(try row.decode("order_kind", as: String.self) == "limit")
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_orders") == 1)
        // Two requests with one key: one order at the broker.
        #expect(broker.requests.map(\.idempotencyKey) == [order.idempotencyKey, order.idempotencyKey])
        #expect(broker.orders.count == 1)
    }

    @Test func twoDesksSendingTheSameOrdersAtOnceKeepOneRowPerKey() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let broker = TestBroker()
        let desks = [try Self.desk(schema, broker), try Self.desk(schema, broker)]
        let orders = (1...10).map { Self.entry($0) }
        // Each order sent by both desks, from four threads each: as two routers racing on rescued tasks.
        try await onOwnThread {
            DispatchQueue.concurrentPerform(iterations: 80) { index in
                _ = desks[index % 2].send(orders[(index / 2) % orders.count])
            }
        }
        let connection = try schema.connect()
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_orders") == 10)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_orders WHERE state = 'accepted'") == 10)
        #expect(try connection.count("SELECT sum(sends) AS n FROM switchyard_orders") == 80)
        #expect(broker.orders.count == 10 && broker.requests.count == 80)
    }

    @Test func aSettledOrderIsAnsweredFromTheLedgerWithoutSending() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let broker = TestBroker(fillPrice: { _ in 4500 })
        let desk = try Self.desk(schema, broker)
        let order = Self.entry(1, contracts: 3)
        #expect(desk.send(order).broker?.status == .filled)
        let again = desk.send(order)
        #expect(again.disposition == .accepted && again.broker == BrokerOrder(orderID: "B-1", status: .filled, filledQuantity: 3,
                                                                            averagePrice: 4500))
        #expect(again.message.contains("settled in the order ledger"))
        #expect(broker.requests.count == 1)
        let connection = try schema.connect()
        #expect(try Self.row(order.idempotencyKey, connection)?.decode("sends", as: Int.self) == 1)
    }

    @Test func anExitIsTheOppositeSideForWhatItsEntryFilledAtMarket() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let broker = TestBroker()
        let desk = try Self.desk(schema, broker)
        let connection = try schema.connect()
        // Nothing known of fills yet: the ordered quantity.
        _ = desk.send(Self.entry(1, trade: "A", contracts: 3, side: .sell))
        #expect(desk.send(Self.exit(2, trade: "A")).accepted)
        let first = try #require(broker.requests.last)
        #expect(first.side == .buy && first.contracts == 3 && first.kind == .market && first.event == .exit)
        // Two of four filled: the EXIT closes two.
        let entry = Self.entry(3, trade: "B", contracts: 4)
        _ = desk.send(entry)
        broker.fill(entry.idempotencyKey, quantity: 2, price: 4500)
        #expect(try desk.followOpenOrders(on: connection, now: Date().addingTimeInterval(60)).changed >= 1)
        #expect(desk.send(Self.exit(4, trade: "B")).accepted)
        let second = try #require(broker.requests.last)
        #expect(second.side == .sell && second.contracts == 2 && second.kind == .market)
        #expect(try Self.row(Self.exit(4, trade: "B").idempotencyKey, connection)?.decode("quantity", as: Int.self) == 2)
        // No ENTRY in the ledger: refused, with the reason, and nothing sent.
        let count = broker.requests.count
        let orphan = desk.send(Self.exit(5, trade: "C"))
        #expect(orphan.disposition == .refused && orphan.message.contains("no ENTRY of trade C sent to apex"))
        #expect(broker.requests.count == count)
    }

    @Test func followUpsMoveAnOrderFromAcceptedThroughPartiallyFilledToFilled() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let broker = TestBroker()
        let desk = try Self.desk(schema, broker)
        let connection = try schema.connect()
        let order = Self.entry(1, contracts: 5)
        _ = desk.send(order)
        let later = Date().addingTimeInterval(60)
        func state() throws -> (String, Int, Double?) {
            let row = try #require(try Self.row(order.idempotencyKey, connection))
            return (try row.decode("state"), try row.decode("filled_quantity"), try row.decodeIfPresent("price"))
        }
        #expect(try desk.followOpenOrders(on: connection, now: later) == LiveOrderDesk.FollowReport(followed: 1, changed: 0))
        #expect(try state() == ("accepted", 0, nil))
        // Just looked at: not asked again within `followEvery`.
        #expect(try desk.followOpenOrders(on: connection, now: later.addingTimeInterval(1)).followed == 0)
        broker.fill(order.idempotencyKey, quantity: 2, price: 4500.25)
        #expect(try desk.followOpenOrders(on: connection, now: later.addingTimeInterval(3)).changed == 1)
        #expect(try state() == ("partially_filled", 2, 4500.25))
        broker.fill(order.idempotencyKey, quantity: 5, price: 4500.5)
        #expect(try desk.followOpenOrders(on: connection, now: later.addingTimeInterval(6)).changed == 1)
        #expect(try state() == ("filled", 5, 4500.5))
        // Final: never followed again.
        #expect(try desk.followOpenOrders(on: connection, now: later.addingTimeInterval(60)).followed == 0)
    }

    @Test func aPerAccountObserverReadsItsAccountsOrdersOnlyAndWritesNone() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let desk = try Self.desk(schema, TestBroker(), [Self.account("apex"), Self.account("bravo")])
        _ = desk.send(Self.entry(1, account: "apex"))
        _ = desk.send(Self.entry(2, account: "bravo"))
        let role = try AccountObserverTests.LoginRole(schema: schema, suffix: "_ledger")
        defer { role.drop() }
        try AccountObservers(connection: schema.connect()).grant(role: role.name, accounts: ["apex"], actor: "test@host")
        let observer = try role.connect()
        #expect(try observer.execute("SELECT account FROM switchyard_orders").rows.map { try $0.decode("account", as: String.self) }
                == ["apex"])
        #expect(throws: DatabaseError.self) { try observer.execute("UPDATE switchyard_orders SET reason = 'x'") }
    }

    @Test func aLedgerThatCannotBeWrittenIsARetryAndNothingIsSent() throws {
        // Migrated to 16 only: the ledger table is missing.
        let schema = try TestDatabase.makeSchema()
        try Migrator(migrations: Migrator().migrations.filter { $0.version <= 16 }).up(on: schema.connect(), actor: "test@host")
        let broker = TestBroker()
        let answer = try Self.desk(schema, broker).send(Self.entry(1))
        #expect(answer.disposition == .retry(after: nil))
        #expect(answer.message.hasPrefix("Not sent: the order ledger could not be read or written"))
        #expect(broker.requests.isEmpty)
    }
}

extension LiveOrderDesk.FollowReport {
    init(followed: Int, changed: Int) {
        self.init()
        (self.followed, self.changed) = (followed, changed)
    }
}
