import FoundationEssentials

/// Where a live order stands in the ledger (migration 17's `switchyard_orders.state`).
enum LedgerState: String, Sendable, CaseIterable {
    /// Sent, or about to be; no answer known.
    case sending
    case accepted, partiallyFilled = "partially_filled", filled, rejected, cancelled
    /// Refused by the broker (a 4xx) or by a risk limit before it was sent.
    case refused
    /// The broker's 409: the key was used with a different order.
    case conflict
    /// Never reached the broker: no answer came, its task ended, and the broker, asked by the
    /// key, has no order under it (migration 20). Settled; it holds no position.
    case unsent

    /// Nothing more will happen to the order: it is answered from the ledger, never sent again.
    var isSettled: Bool { !LedgerState.open.contains(self) }
    /// The states a send or a follow-up may still move on, in the order they move.
    static let open: [LedgerState] = [.sending, .accepted, .partiallyFilled]
    /// The broker has the order and it may still fill: the follow-ups ask about these.
    static let followed: [LedgerState] = [.accepted, .partiallyFilled]

    init(_ status: BrokerOrder.Status) { self = LedgerState(rawValue: status.rawValue)! }

    /// `states` as an SQL list, `('accepted', 'partially_filled')`: trusted text, never a value,
    /// written as the partial indexes' predicates are, so the planner matches them.
    static func sqlList(_ states: [LedgerState]) -> String {
        "(" + states.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"
    }
}

/// One row of the ledger.
struct LedgerOrder: Sendable, Equatable {
    var key: String
    var taskID: TaskID
    var tradeID: String
    var account: String
    var event: EventType
    var side: Order.Side
    var quantity: Int
    var kind: Order.Kind
    var limitPrice: Double?
    var state: LedgerState
    var brokerOrderID: String?
    var filledQuantity: Int
    var averagePrice: Double?
    var reason: String?
    var sends: Int

    /// The columns `init(row:)` reads (NUMERIC prices read as Double from their text).
    static let columns = """
        idempotency_key, task_id, trade_id, account, event, side, quantity, order_kind, limit_price, state,
        broker_order_id, filled_quantity, average_price, reason, sends
        """

    init(row: Row) throws {
        key = try row.decode("idempotency_key")
        taskID = try row.decode("task_id")
        tradeID = try row.decode("trade_id")
        account = try row.decode("account")
        event = try row.decode("event")
        side = Order.Side(rawValue: try row.decode("side")) ?? .buy
        quantity = try row.decode("quantity")
        kind = Order.Kind(rawValue: try row.decode("order_kind")) ?? .market
        limitPrice = try row.decodeIfPresent("limit_price")
        state = LedgerState(rawValue: try row.decode("state")) ?? .sending
        brokerOrderID = try row.decodeIfPresent("broker_order_id")
        filledQuantity = try row.decode("filled_quantity")
        averagePrice = try row.decodeIfPresent("average_price")
        reason = try row.decodeIfPresent("reason")
        sends = try row.decode("sends")
    }

    /// The broker's order as the row knows it; nil before the broker named one.
    var brokerOrder: BrokerOrder? {
        guard let brokerOrderID, let status = BrokerOrder.Status(rawValue: state.rawValue) else { return nil }
        return BrokerOrder(orderID: brokerOrderID, status: status, filledQuantity: filledQuantity, averagePrice: averagePrice,
                           reason: reason)
    }

    /// What the ledger answers for a settled row, without sending: the broker took a filled or
    /// cancelled order; a rejection, a refusal and a conflict stay what they were.
    var settledAnswer: OrderResult {
        let said = reason.map { ": \($0)" } ?? ""
        let note = "(order \(key) is settled in the order ledger; not sent again)"
        switch state {
        case .filled, .cancelled:
            return OrderResult(.accepted, code: 200, message: "\(side.rawValue) \(quantity): \(state.rawValue) at the broker, "
                                   + "\(filledQuantity) filled \(note)", broker: brokerOrder)
        case .rejected:
            return OrderResult(.refused, code: 422, message: "Rejected by the broker\(said) \(note)", broker: brokerOrder)
        case .conflict:
            return OrderResult(.conflict, code: 409, message: "Conflict\(said) \(note)")
        case .unsent:
            return OrderResult(.refused, code: 422, message: "Refused: order \(key) never reached the broker (it has no order "
                                   + "under this key) and its task ended; it is not sent again. Enqueue a new task to trade it.")
        case .refused, .sending, .accepted, .partiallyFilled:
            return OrderResult(.refused, code: 422, message: "Refused\(said) \(note)")
        }
    }
}

/// The ledger's statements that more than one part reads: the desk's risk gate and the
/// accounts view count open positions, orders and realised P&L the same way.
enum OrderLedgerQueries {
    /// Contracts open per account: each trade's ENTRY fills not yet closed by its EXITs' fills,
    /// plus the whole quantity of ENTRYs the broker may still fill (sent, no final answer).
    /// Only ENTRYs not yet closed are read (a partial index). Answers `account`, `open`.
    static func openContracts(accounts: [String]) -> Query {
        let query: Query = """
            WITH entered AS (
                SELECT account, trade_id,
                       sum(CASE WHEN state IN \(unescaped: LedgerState.sqlList(LedgerState.open)) THEN quantity
                                ELSE filled_quantity END) AS entered
                FROM switchyard_orders
                WHERE account = ANY(\(accounts)::text[]) AND event = 'ENTRY' AND closed_at IS NULL
                GROUP BY account, trade_id)
            SELECT e.account, sum(greatest(0, e.entered - coalesce(x.closed, 0)))::bigint AS open
            FROM entered e
            LEFT JOIN LATERAL (SELECT sum(filled_quantity) AS closed FROM switchyard_orders x
                               WHERE x.account = e.account AND x.trade_id = e.trade_id AND x.event = 'EXIT') AS x ON true
            GROUP BY e.account
            """
        return query.named("ledgerOpenContracts")
    }

    /// Realised P&L in price points x contracts of the trades `account` closed on its trading day
    /// `day` (each EXIT's fills against its ENTRY's average price; an EXIT counts on the trading
    /// day it was sent). Answers `points` and `orders` (orders sent that day).
    static func day(account: String, day: String) -> Query {
        let query: Query = """
            SELECT coalesce((SELECT sum((x.average_price - e.average_price) * x.filled_quantity
                                        * CASE WHEN e.side = 'BUY' THEN 1 ELSE -1 END)
                             FROM switchyard_orders x
                             CROSS JOIN LATERAL (SELECT side, average_price FROM switchyard_orders e
                                                 WHERE e.account = x.account AND e.trade_id = x.trade_id AND e.event = 'ENTRY'
                                                   AND e.filled_quantity > 0 AND e.average_price IS NOT NULL
                                                 ORDER BY e.task_id DESC LIMIT 1) AS e
                             WHERE x.account = \(account) AND x.trading_day = \(day)::date AND x.event = 'EXIT'
                               AND x.filled_quantity > 0 AND x.average_price IS NOT NULL), 0)::float8 AS points,
                   (SELECT count(*) FROM switchyard_orders
                    WHERE account = \(account) AND trading_day = \(day)::date AND sends > 0) AS orders
            """
        return query.named("ledgerTradingDay")
    }

    /// The account's trading day (`YYYY-MM-DD`) at `instant`, in its `time_zone` (UTC when none).
    static func tradingDay(at instant: Date, zone: ZonedClock) -> String {
        // The day's UTC midnight, written as an ISO date.
        String(PostgresTime.iso8601(Date(seconds: zone.day(of: instant).number * 86_400)).prefix(10))
    }

    /// The zone of `account`'s trading day.
    static func zone(of account: Account) throws -> ZonedClock {
        try ZonedClock(identifier: account.timeZone ?? "UTC")
    }
}
