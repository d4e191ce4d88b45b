import FoundationEssentials

extension LiveOrderDesk {
    /// What one follow-up step did.
    public struct FollowReport: Sendable, Equatable {
        /// Orders asked about, by the broker's id or by key.
        public var followed = 0
        /// Of those, orders whose state or fills the answer changed.
        public var changed = 0
        /// Of those, orders the broker never took (asked by key: 404), now `unsent`.
        public var unsent = 0
        /// Answers that said nothing about the order (a timeout, a 5xx), one line each.
        public var failures: [String] = []
        public init() {}
    }

    /// How long a `sending` row without an answer rests after its last send before the broker is
    /// asked by its key: longer than any request waits, so no send of it is still in flight.
    static let unansweredAfter: Duration = .seconds(60)

    /// One follow-up step: the orders the broker took that may still fill (accepted, partially
    /// filled), least recently looked at first, not looked at for `config.followEvery`, at most
    /// `config.followBatch`, each asked about through `inner.follow` and its answer recorded. Then
    /// the orders never answered (`askByKey`).
    ///
    /// Safe from every router at once: a batch is taken in one statement (SKIP LOCKED) that marks
    /// its orders looked at now, so another router's step takes others. The broker is asked
    /// outside any transaction. `now` is the database's clock when nil (tests inject one).
    public func followOpenOrders(on connection: PGConnection, now injected: Date? = nil) throws -> FollowReport {
        let take: Query = """
            WITH n AS (SELECT coalesce(\(injected)::timestamptz, now()) AS now),
            due AS (SELECT o.idempotency_key FROM switchyard_orders o, n
                    WHERE o.state IN \(unescaped: LedgerState.sqlList(LedgerState.followed)) AND o.broker_order_id IS NOT NULL
                      AND o.followed_at <= n.now - \(config.followEvery.milliseconds) * interval '1 millisecond'
                    ORDER BY o.followed_at LIMIT \(config.followBatch) FOR UPDATE SKIP LOCKED)
            UPDATE switchyard_orders AS o SET followed_at = n.now FROM due, n
            WHERE o.idempotency_key = due.idempotency_key
            RETURNING o.*
            """
        let due = try connection.execute(take.named("ledgerOrdersToFollow")).rows.map(LedgerOrder.init)
        var report = FollowReport()
        for order in due {
            guard let brokerOrderID = order.brokerOrderID else { continue }
            report.followed += 1
            try recordFollowed(inner.follow(brokerOrderID, account: order.account), of: order, asked: "order \(brokerOrderID)",
                               now: injected, on: connection, into: &report)
        }
        try askByKey(on: connection, now: injected, into: &report)
        return report
    }

    /// The orders whose answer was never known: `sending`, no broker id, last sent over
    /// `unansweredAfter` ago, their task no longer unfinished (failed, dead, or gone), so no
    /// send of theirs comes again by itself. Each is asked about by its key, never sent: the
    /// order found is recorded as its answer would have been; a 404 (the broker never took it)
    /// makes the row `unsent`, unless it was sent again meanwhile; no answer leaves it for the
    /// next step. Taken as the followed orders are, `config.followEvery` apart.
    func askByKey(on connection: PGConnection, now injected: Date?, into report: inout FollowReport) throws {
        let take: Query = """
            WITH n AS (SELECT coalesce(\(injected)::timestamptz, now()) AS now),
            due AS (SELECT o.idempotency_key FROM switchyard_orders o, n
                    WHERE o.state = 'sending' AND o.broker_order_id IS NULL
                      AND o.followed_at <= n.now - \(config.followEvery.milliseconds) * interval '1 millisecond'
                      AND o.last_sent_at <= n.now - \(Self.unansweredAfter.milliseconds) * interval '1 millisecond'
                      AND NOT EXISTS (SELECT 1 FROM execution_tasks t
                                      WHERE t.id = o.task_id AND t.status IN (\(statuses: TaskStatus.unfinished)))
                    ORDER BY o.followed_at LIMIT \(config.followBatch) FOR UPDATE OF o SKIP LOCKED)
            UPDATE switchyard_orders AS o SET followed_at = n.now FROM due, n
            WHERE o.idempotency_key = due.idempotency_key
            RETURNING o.*
            """
        for order in try connection.execute(take.named("ledgerOrdersToAskByKey")).rows.map(LedgerOrder.init) {
            report.followed += 1
            let answer = inner.lookUp(key: order.key, account: order.account)
            if answer.disposition == .refused && answer.code == 404 && answer.broker == nil {
                if try markUnsent(order, reason: answer.message, now: injected, on: connection) { report.unsent += 1 }
                continue
            }
            try recordFollowed(answer, of: order, asked: "order \(order.key) by its key", now: injected, on: connection,
                               into: &report)
        }
    }

    /// Records an answer about `order` that names the broker's order; any other is a failure.
    private func recordFollowed(_ answer: OrderResult, of order: LedgerOrder, asked: String, now injected: Date?,
                                on connection: PGConnection, into report: inout FollowReport) throws {
        switch (answer.disposition, answer.broker) {
        case (.accepted, let broker?), (.refused, let broker?):
            if LedgerState(broker.status) != order.state || broker.filledQuantity != order.filledQuantity { report.changed += 1 }
            try record(answer, key: order.key, now: injected, on: connection)
        default:
            report.failures.append("Following \(asked) of \(order.account): \(answer.message)")
        }
    }

    /// `order` never reached the broker: `unsent`, settled, its trade's ENTRYs closed as a final
    /// answer closes them. Only if its row is still as taken (`sending`, sent as often); false
    /// when it moved meanwhile (a retry of its task sent it again).
    private func markUnsent(_ order: LedgerOrder, reason: String, now injected: Date?, on connection: PGConnection) throws -> Bool {
        try connection.transaction { connection in
            let update: Query = """
                UPDATE switchyard_orders AS o
                SET state = \(LedgerState.unsent.rawValue), reason = \(reason), updated_at = n.now, followed_at = n.now
                FROM (SELECT coalesce(\(injected)::timestamptz, now()) AS now) AS n
                WHERE o.idempotency_key = \(order.key) AND o.state = \(LedgerState.sending.rawValue)
                  AND o.broker_order_id IS NULL AND o.sends = \(order.sends)
                RETURNING n.now
                """
            guard let moved = try connection.execute(update.named("ledgerMarkUnsent")).first else { return false }
            try settle(account: order.account, tradeID: order.tradeID, now: try moved.decode("now"), on: connection)
            return true
        }
    }
}
