import FoundationEssentials

extension LiveOrderDesk {
    /// Why the account's limits refuse the new ENTRY `order`, or nil when it may be sent. Runs in
    /// the ledger's transaction, under the account's lock, so two desks checking the same account
    /// take turns and never cross a limit together. EXITs are never refused by a limit: closing
    /// reduces risk. Each reason names the limit, its value, and what the order would make it.
    func riskRefusal(_ order: Order, account: Account, now: Date, day: String, zone: ZonedClock,
                     on connection: PGConnection) throws -> String? {
        let limits = account.limits
        if let limit = limits.dailyLossLimit {
            let points: Double = try connection.execute(OrderLedgerQueries.day(account: account.name, day: day)).first!
                .decode("points")
            let loss = max(0, -points * account.pointValue)
            if loss >= limit {
                return "daily_loss_limit is \(decimalText(limit, places: 2)): \(account.name)'s realised loss on its trading day \(day) "
                    + "(\(zone.identifier)) is \(decimalText(loss, places: 2)), so no ENTRY is sent until the next trading day"
            }
        }
        if let limit = limits.maxPosition {
            let open: Int = try connection.execute(OrderLedgerQueries.openContracts(accounts: [account.name])).first?
                .decode("open") ?? 0
            let after = open + (order.contracts ?? 0)
            if after > limit {
                return "max_position is \(limit): this ENTRY (\(order.side.rawValue) \(order.contracts ?? 0)) would make "
                    + "\(account.name)'s open position \(after) contracts (\(open) open or pending)"
            }
        }
        if let limit = limits.maxOrdersPerMinute {
            let recent: Query = """
                SELECT count(*) AS n FROM switchyard_orders
                WHERE account = \(account.name) AND first_sent_at > \(now)::timestamptz - interval '1 minute'
                  AND first_sent_at <= \(now)::timestamptz
                """
            let sent: Int = try connection.execute(recent.named("ledgerOrdersLastMinute")).first!.decode("n")
            if sent + 1 > limit {
                return "max_orders_per_minute is \(limit): this order would make it \(sent + 1) orders sent to "
                    + "\(account.name) in the last minute"
            }
        }
        return nil
    }

}
