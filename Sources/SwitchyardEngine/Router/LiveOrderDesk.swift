import FoundationEssentials

/// The order desk of live routing: every live order passes through its ledger
/// (`switchyard_orders`, migration 17) on its way to the broker, so a retried order, from any
/// router, process or primary, reaches the broker as the same order and is counted once by the
/// risk limits.
///
/// Per order, one short transaction under a per-account advisory lock finds the order's row by
/// its idempotency key or makes it: a key already in the ledger is the same order (sent again
/// with the row's side and quantity, never checked against the limits again, never a second
/// row); a key whose row is settled (refused, conflict, or final) is answered from the row
/// without sending; a new key is checked against the account's limits and written as `sending`.
/// Then the order goes to the broker through `inner`, outside any transaction, and its answer is
/// recorded on the row. `followOpenOrders(on:)` follows the orders the broker took to their fills.
///
/// Safe to call from the router's worker threads at once: each order borrows one of the desk's
/// own connections (`DeskConnections`), as the workers hold none.
public final class LiveOrderDesk: OrderConnector, Sendable {
    public struct Config: Sendable, Equatable {
        /// Connections the desk keeps for the router's worker threads: at most this many orders
        /// are in the ledger's transactions at once (the sends themselves are not limited).
        public var connections = 4
        /// How often the router runs the follow-up step.
        public var followInterval: Duration = .seconds(1)
        /// How long an open order rests between two questions to the broker.
        public var followEvery: Duration = .seconds(2)
        /// Orders one follow-up step asks about at most.
        public var followBatch = 50
        public init() {}
    }

    public let inner: any BrokerConnector
    public let accounts: AccountSet
    public let config: Config
    let connections: DeskConnections

    /// A desk over `inner` for `accounts`, its ledger in the database `settings` names.
    public init(inner: any BrokerConnector, accounts: AccountSet, settings: ConnectionSettings, config: Config = Config()) {
        (self.inner, self.accounts, self.config) = (inner, accounts, config)
        connections = DeskConnections(settings: settings, size: config.connections)
    }

    deinit { connections.close() }

    /// Closes the desk's idle connections (a router that stopped sends nothing more; a later
    /// order connects again). The router calls it when it stops, so a process that keeps a
    /// stopped router holds no connection for it.
    public func closeIdleConnections() { connections.close() }

    public var isDryRun: Bool { inner.isDryRun }

    public func send(_ order: Order) -> OrderResult { place(order, now: nil) }

    /// What the ledger's transaction decided.
    enum Step {
        /// Answered from the ledger (a settled row, a refusal): nothing is sent.
        case answer(OrderResult)
        /// Send this order (resolved: BUY or SELL and a quantity).
        case send(Order)
    }

    /// Places `order`. `now` is the database's clock when nil (tests inject one).
    func place(_ order: Order, now: Date?) -> OrderResult {
        let step: Step
        do {
            step = try connections.with { try prepare(order, now: now, on: $0) }
        } catch {
            return OrderResult(.retry(after: nil), code: 503,
                               message: "Not sent: the order ledger could not be read or written (\(Self.describe(error))); "
                                   + "nothing was sent, and a retry sends it with the same key.")
        }
        let resolved: Order
        switch step {
        case .answer(let result): return result
        case .send(let order): resolved = order
        }
        let result = inner.send(resolved)
        do {
            try connections.with { try record(result, key: resolved.idempotencyKey, now: now, on: $0) }
        } catch {
            var noted = result
            noted.message += " (The order ledger did not record this answer: \(Self.describe(error)); "
                + "a retry sends the same key, and the broker answers with the same order.)"
            return noted
        }
        return result
    }

    /// The ledger's transaction for `order`: see the type's summary.
    func prepare(_ order: Order, now injected: Date?, on connection: PGConnection) throws -> Step {
        guard let account = accounts[order.account], account.isLive else {
            return .answer(OrderResult(.refused, code: 422, message: "Refused: \(order.account) is not a live account of this "
                                           + "router's accounts file; nothing was sent."))
        }
        let zone: ZonedClock
        do {
            zone = try OrderLedgerQueries.zone(of: account)
        } catch {
            return .answer(OrderResult(.refused, code: 422, message: "Refused: \(account.name)'s time_zone: \(error); nothing was sent."))
        }
        return try connection.transaction { connection in
            let lock: Query = """
                SELECT pg_advisory_xact_lock(hashtextextended('switchyard_orders:' || \(order.account), 0)),
                       coalesce(\(injected)::timestamptz, now()) AS now
                """
            let now: Date = try connection.execute(lock.named("lockLedgerAccount")).first!.decode("now")
            let key = order.idempotencyKey
            let known: Query = "SELECT \(unescaped: LedgerOrder.columns) FROM switchyard_orders WHERE idempotency_key = \(key)"
            if let row = try connection.execute(known.named("ledgerOrder")).first.map(LedgerOrder.init) {
                if row.state == .refused && row.sends == 0 {
                    return try recheck(Self.order(order, as: row), account: account, now: now, zone: zone, on: connection)
                }
                if row.state.isSettled { return .answer(row.settledAnswer) }
                let again: Query = """
                    UPDATE switchyard_orders SET sends = sends + 1, first_sent_at = coalesce(first_sent_at, \(now)),
                           last_sent_at = \(now), updated_at = \(now)
                    WHERE idempotency_key = \(key)
                    """
                try connection.execute(again.named("ledgerSendAgain"))
                return .send(Self.order(order, as: row))
            }
            let resolved: Order
            switch try resolve(order, on: connection) {
            case .answer(let result): return .answer(result)
            case .send(let order): resolved = order
            }
            let day = OrderLedgerQueries.tradingDay(at: now, zone: zone)
            if resolved.event == .entry,
               let refusal = try riskRefusal(resolved, account: account, now: now, day: day, zone: zone, on: connection) {
                try insert(resolved, refusal: refusal, now: now, day: day, on: connection)
                return .answer(OrderResult(.refused, code: 422, message: "Refused: \(refusal); nothing was sent."))
            }
            try insert(resolved, refusal: nil, now: now, day: day, on: connection)
            return .send(resolved)
        }
    }

    /// A key a risk limit refused before (never sent): a retry of its task is checked against the
    /// limits again, now, since a minute's rate or a day's loss may have passed. Still over: the
    /// row keeps its refusal with the new reason; within them: the row becomes the order sent.
    private func recheck(_ order: Order, account: Account, now: Date, zone: ZonedClock,
                         on connection: PGConnection) throws -> Step {
        let day = OrderLedgerQueries.tradingDay(at: now, zone: zone)
        let refusal = order.event == .entry
            ? try riskRefusal(order, account: account, now: now, day: day, zone: zone, on: connection) : nil
        let update: Query = """
            UPDATE switchyard_orders
            SET state = \(refusal == nil ? LedgerState.sending.rawValue : LedgerState.refused.rawValue), reason = \(refusal),
                sends = \(refusal == nil ? 1 : 0), first_sent_at = \(refusal == nil ? now : nil)::timestamptz,
                last_sent_at = \(refusal == nil ? now : nil)::timestamptz, closed_at = \(refusal == nil ? nil : now)::timestamptz,
                trading_day = \(day)::date, updated_at = \(now)
            WHERE idempotency_key = \(order.idempotencyKey) AND state = 'refused' AND sends = 0
            """
        try connection.execute(update.named("ledgerRecheckRefusal"))
        if let refusal { return .answer(OrderResult(.refused, code: 422, message: "Refused: \(refusal); nothing was sent.")) }
        return .send(order)
    }

    /// An ENTRY as it is; an EXIT (`.close`, no contracts) resolved from its trade's ENTRY row on
    /// the account: the opposite side, the ENTRY's filled quantity (the ordered one while no fill
    /// is known), at market.
    private func resolve(_ order: Order, on connection: PGConnection) throws -> Step {
        guard order.side == .close || order.contracts == nil else { return .send(order) }
        guard order.event == .exit else {
            return .answer(OrderResult(.refused, code: 422, message: "Refused: an \(order.event) order without a side and "
                                           + "quantity cannot be sent; nothing was sent."))
        }
        let entryQuery: Query = """
            SELECT \(unescaped: LedgerOrder.columns) FROM switchyard_orders
            WHERE account = \(order.account) AND trade_id = \(order.tradeID) AND event = 'ENTRY'
              AND state NOT IN \(unescaped: LedgerState.sqlList([.refused, .conflict]))
            ORDER BY task_id DESC LIMIT 1
            """
        guard let entry = try connection.execute(entryQuery.named("ledgerEntryOfTrade")).first.map(LedgerOrder.init) else {
            return .answer(OrderResult(.refused, code: 422, message: "Refused: the order ledger has no ENTRY of trade "
                                           + "\(order.tradeID) sent to \(order.account), so the EXIT's side and quantity are "
                                           + "unknown; nothing was sent. Close the position at the broker by hand."))
        }
        var quantity = entry.filledQuantity
        if quantity == 0 {
            guard !entry.state.isSettled else {
                return .answer(OrderResult(.refused, code: 422, message: "Refused: trade \(order.tradeID)'s ENTRY on "
                                               + "\(order.account) ended \(entry.state.rawValue) with nothing filled, so "
                                               + "there is nothing to close; nothing was sent."))
            }
            quantity = entry.quantity
        }
        var resolved = order
        (resolved.side, resolved.contracts, resolved.kind) = (entry.side == .buy ? .sell : .buy, quantity, .market)
        return .send(resolved)
    }

    private func insert(_ order: Order, refusal: String?, now: Date, day: String, on connection: PGConnection) throws {
        let sent: Date? = refusal == nil ? now : nil
        let insert: Query = """
            INSERT INTO switchyard_orders (idempotency_key, task_id, trade_id, account, event, side, quantity, order_kind,
                                           limit_price, state, reason, first_sent_at, last_sent_at, sends, created_at,
                                           updated_at, followed_at, closed_at, trading_day)
            VALUES (\(order.idempotencyKey), \(order.taskID), \(order.tradeID), \(order.account), \(order.event),
                    \(order.side.rawValue), \(order.contracts ?? 0), \(order.kind.rawValue),
                    \(order.kind == .limit ? order.price : nil)::numeric,
                    \(refusal == nil ? LedgerState.sending.rawValue : LedgerState.refused.rawValue), \(refusal),
                    \(sent)::timestamptz, \(sent)::timestamptz, \(refusal == nil ? 1 : 0), \(now), \(now), \(now),
                    \(refusal == nil ? nil : now)::timestamptz, \(day)::date)
            """
        try connection.execute(insert.named("ledgerNewOrder"))
    }

    /// `order` as its row says it was first sent: a retry must send the very same body.
    static func order(_ order: Order, as row: LedgerOrder) -> Order {
        var same = order
        (same.side, same.contracts, same.kind) = (row.side, row.quantity, row.kind)
        if let price = row.limitPrice { same.price = price }
        return same
    }

    /// Records the broker's answer on the order's row. A retry's answer leaves the row as it
    /// was (`sending`: the broker may or may not have it); an answer never moves a row back
    /// (a late "accepted" after a follow-up saw it filled) nor changes a settled one.
    func record(_ result: OrderResult, key: String, now injected: Date?, on connection: PGConnection) throws {
        let state: LedgerState
        switch result.disposition {
        case .accepted: state = result.broker.map { LedgerState($0.status) } ?? .accepted
        case .refused: state = result.broker?.status == .rejected ? .rejected : .refused
        case .conflict: state = .conflict
        case .retry: return
        }
        let broker = result.broker
        let reason = broker?.reason ?? (state == .accepted || state == .partiallyFilled || state == .filled ? nil : result.message)
        let open = LedgerState.open.map(\.rawValue)
        try connection.transaction { connection in
            let update: Query = """
                UPDATE switchyard_orders AS o
                SET state = \(state.rawValue), broker_order_id = coalesce(\(broker?.orderID), o.broker_order_id),
                    filled_quantity = greatest(o.filled_quantity, \(broker?.filledQuantity ?? 0)),
                    average_price = coalesce(\(broker?.averagePrice)::numeric, o.average_price),
                    reason = coalesce(\(reason), o.reason), updated_at = n.now, followed_at = n.now
                FROM (SELECT coalesce(\(injected)::timestamptz, now()) AS now) AS n
                WHERE o.idempotency_key = \(key) AND array_position(\(open)::text[], o.state) IS NOT NULL
                  AND coalesce(array_position(\(open)::text[], \(state.rawValue)::text), 99) >= array_position(\(open)::text[], o.state)
                RETURNING o.account, o.trade_id, n.now
                """
            guard let moved = try connection.execute(update.named("ledgerRecordAnswer")).first else { return }
            try settle(account: try moved.decode("account"), tradeID: try moved.decode("trade_id"), now: try moved.decode("now"),
                       on: connection)
        }
    }

    /// Marks the trade's ENTRYs closed once final and their fills closed by the trade's EXITs.
    func settle(account: String, tradeID: String, now: Date, on connection: PGConnection) throws {
        let close: Query = """
            UPDATE switchyard_orders AS e SET closed_at = \(now)
            WHERE e.account = \(account) AND e.trade_id = \(tradeID) AND e.event = 'ENTRY' AND e.closed_at IS NULL
              AND e.state NOT IN \(unescaped: LedgerState.sqlList(LedgerState.open))
              AND e.filled_quantity <= (SELECT coalesce(sum(x.filled_quantity), 0) FROM switchyard_orders x
                                        WHERE x.account = e.account AND x.trade_id = e.trade_id AND x.event = 'EXIT')
            """
        try connection.execute(close.named("ledgerCloseEntries"))
    }

    static func describe(_ error: Error) -> String {
        (error as? DatabaseError)?.message ?? "\(error)"
    }
}
