import FoundationEssentials

extension LiveOrderDesk {
    /// What one follow-up step did.
    public struct FollowReport: Sendable, Equatable {
        /// Orders asked about.
        public var followed = 0
        /// Of those, orders whose state or fills the answer changed.
        public var changed = 0
        /// Answers that said nothing about the order (a timeout, a 5xx), one line each.
        public var failures: [String] = []
        public init() {}
    }

    /// One follow-up step: the orders the broker took that may still fill (accepted, partially
    /// filled), least recently looked at first, not looked at for `config.followEvery`, at most
    /// `config.followBatch`, each asked about through `inner.follow` and its answer recorded.
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
            let answer = inner.follow(brokerOrderID, account: order.account)
            let broker: BrokerOrder
            switch (answer.disposition, answer.broker) {
            case (.accepted, let known?), (.refused, let known?): broker = known
            default:
                report.failures.append("Following order \(brokerOrderID) of \(order.account): \(answer.message)")
                continue
            }
            if LedgerState(broker.status) != order.state || broker.filledQuantity != order.filledQuantity { report.changed += 1 }
            try record(answer, key: order.key, now: injected, on: connection)
        }
        return report
    }
}
