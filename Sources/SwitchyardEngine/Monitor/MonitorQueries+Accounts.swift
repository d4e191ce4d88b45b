import FoundationEssentials

extension MonitorQueries {
    /// One row per account: those in `config.configuredAccounts`, and those seen in the data
    /// (an attempt in the last hour, or an open position). A per-account observer sees its own
    /// accounts only. Sorted by name.
    ///
    /// Read from the tables migration 11's trigger keeps: the hour's minutes per account (at
    /// most 60 x accounts x 8 shards small rows), the count of open positions per account (at
    /// most 8 rows each), and one probe per account of the index of refused attempts. Nothing here grows with the
    /// number of tasks (docs/performance.md).
    func accountFigures(on connection: PGConnection, features: SchemaFeatures, now: Date) throws -> [AccountFigures] {
        guard features.hasAccountFigures, features.hasAuditColumns else {
            throw PartUnavailable(reason: SchemaFeatures.needsMigration("switchyard_account_minutes"))
        }
        let currentMinute = Int((now.timeIntervalSince1970 / 60).rounded(.down))
        let firstMinute = currentMinute - 59
        // An hour read long after the fact (`stats --at`) may have been rolled up into hours
        // (migration 14): its minutes are then counted from the audit rows, as the trigger counts them.
        let minutesTable: Query = try minutesRolledUp(from: firstMinute, accounts: true, on: connection, features: features)
            ? """
              (SELECT date_trunc('minute', created_at) AS minute, account, count(*) FILTER (WHERE status = 'SUCCESS') AS accepted,
                      count(*) FILTER (WHERE status = 'FAILED') AS refused, coalesce(sum(duration_ms), 0) AS latency_ms_sum,
                      count(duration_ms) AS latency_count
               FROM execution_logs
               WHERE event = 'ATTEMPT' AND status IN ('SUCCESS', 'FAILED') AND account IS NOT NULL
                 AND created_at >= \(Self.minuteStart(firstMinute))::timestamptz::timestamp AND created_at <= \(now)::timestamptz::timestamp
               GROUP BY 1, 2) AS audit
              """
            : "switchyard_account_minutes"
        // One row per account, its minutes as arrays of numbers (minutes since 1970): 50 rows
        // to decode instead of 3,000 (decoding times is most of a part's cost on the client).
        let perMinute: Query = """
            SELECT account, array_agg(m ORDER BY m)::text AS minutes, array_agg(accepted ORDER BY m)::text AS accepted,
                   array_agg(refused ORDER BY m)::text AS refused, sum(latency_sum)::bigint AS latency_sum,
                   sum(latency_count)::bigint AS latency_count
            FROM (SELECT account, floor(extract(epoch FROM minute::timestamptz) / 60)::bigint AS m, sum(accepted) AS accepted,
                         sum(refused) AS refused, sum(latency_ms_sum) AS latency_sum, sum(latency_count) AS latency_count
                  FROM \(minutesTable)
                  WHERE minute >= \(Self.minuteStart(firstMinute))::timestamptz::timestamp
                    AND minute <= \(now)::timestamptz::timestamp
                  GROUP BY account, minute) AS per_minute
            GROUP BY account
            """
        var minutes: [String: [Int: AccountFigures.Minute]] = [:]
        var latency: [String: (sum: Int, count: Int)] = [:]
        for row in try connection.execute(perMinute.named("accountMinutes")).rows {
            let account: String = try row.decode("account")
            func numbers(_ column: String) throws -> [Int] {
                PostgresArray.parse(try row.decode(column, as: String.self)).map { $0.flatMap { Int($0) } ?? 0 }
            }
            for (minute, (accepted, refused)) in zip(try numbers("minutes"), zip(try numbers("accepted"), try numbers("refused"))) {
                minutes[account, default: [:]][minute] = AccountFigures.Minute(start: Self.minuteStart(minute), accepted: accepted,
                                                                               refused: refused)
            }
            latency[account] = (try row.decode("latency_sum"), try row.decode("latency_count"))
        }
        var positions: [String: Int] = [:]
        let positionCounts: Query = "SELECT account, sum(open)::bigint AS n FROM switchyard_account_positions GROUP BY account"
        for row in try connection.execute(positionCounts.named("openPositionCounts")).rows {
            positions[try row.decode("account")] = try row.decode("n")
        }
        var configured: [String: Bool] = [:]
        for account in config.configuredAccounts { configured[account.name] = account.enabled }
        var names = Set(configured.keys).union(minutes.keys).union(positions.keys)
        if let observed = features.observedAccounts { names.formIntersection(observed) }
        let sorted = names.sorted()

        var refusals: [String: AccountFigures.Refusal] = [:]
        if !sorted.isEmpty {
            let lastRefusals: Query = """
                SELECT a.account, r.task_id, r.response_body, r.created_at
                FROM unnest(\(sorted)::text[]) AS a(account)
                CROSS JOIN LATERAL (SELECT l.task_id, l.response_body, coalesce(l.created_at::timestamptz, '-infinity') AS created_at
                                    FROM execution_logs l
                                    WHERE l.account = a.account AND l.event = 'ATTEMPT' AND l.status = 'FAILED'
                                    ORDER BY l.id DESC LIMIT 1) AS r
                """
            for row in try connection.execute(lastRefusals.named("lastRefusals")).rows {
                refusals[try row.decode("account")] = AccountFigures.Refusal(
                    taskID: try row.decode("task_id"), message: try row.decodeIfPresent("response_body"),
                    at: try row.decode("created_at"))
            }
        }
        let live = features.hasOrderLedger ? try liveFigures(of: sorted, now: now, on: connection) : [:]
        return sorted.map { name in
            let counted = minutes[name] ?? [:]
            let buckets = (firstMinute...currentMinute).map { minute in
                counted[minute] ?? AccountFigures.Minute(start: Self.minuteStart(minute), accepted: 0, refused: 0)
            }
            let average = latency[name].flatMap { $0.count > 0 ? Double($0.sum) / Double($0.count) : nil }
            return AccountFigures(name: name, enabled: configured[name], minutes: buckets, averageLatencyMilliseconds: average,
                                  lastRefusal: refusals[name], openPositions: positions[name] ?? 0, live: live[name])
        }
    }

    /// The order ledger's figures of the live accounts among `names` (live in the accounts file,
    /// or with orders in the ledger), each on its trading day at `now` in its time zone (UTC for
    /// an account not in the file): a probe per account, then the open ENTRYs and the day's orders.
    private func liveFigures(of names: [String], now: Date, on connection: PGConnection) throws -> [String: AccountFigures.Live] {
        guard !names.isEmpty else { return [:] }
        let configured = Dictionary(config.configuredAccounts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let inLedger: Query = """
            SELECT a.account FROM unnest(\(names)::text[]) AS a(account)
            WHERE EXISTS (SELECT 1 FROM switchyard_orders o WHERE o.account = a.account)
            """
        var live = Set(try connection.execute(inLedger.named("accountsInLedger")).rows.map { try $0.decode("account", as: String.self) })
        live.formUnion(names.filter { configured[$0]?.isLive == true })
        guard !live.isEmpty else { return [:] }
        var open: [String: Int] = [:]
        for row in try connection.execute(OrderLedgerQueries.openContracts(accounts: live.sorted())).rows {
            open[try row.decode("account")] = try row.decode("open")
        }
        var figures: [String: AccountFigures.Live] = [:]
        for name in live.sorted() {
            let zone = try configured[name].flatMap { try? OrderLedgerQueries.zone(of: $0) } ?? ZonedClock(identifier: "UTC")
            let day = OrderLedgerQueries.tradingDay(at: now, zone: zone)
            let row = try connection.execute(OrderLedgerQueries.day(account: name, day: day)).first!
            let points: Double = try row.decode("points")
            figures[name] = AccountFigures.Live(openContracts: open[name] ?? 0, ordersToday: try row.decode("orders"),
                                                realisedToday: configured[name].map { points * $0.pointValue },
                                                tradingDay: day, timeZone: zone.identifier)
        }
        return figures
    }

    /// One account's open positions (oldest first) and its newest attempts.
    public func accountDetail(on connection: PGConnection, account: String, attemptLimit: Int = 50) throws -> AccountDetail {
        try readOnlyTransaction(on: connection) { _ in
            let features = try detect(on: connection)
            guard features.hasAccountFigures, features.hasAuditColumns else {
                throw PartUnavailable(reason: SchemaFeatures.needsMigration("switchyard_open_positions"))
            }
            let positions: Query = """
                SELECT account, trade_id, entry_task_id, direction, contracts, opened_at::timestamptz AS opened_at
                FROM switchyard_open_positions WHERE account = \(account) ORDER BY opened_at, entry_task_id
                """
            let open = try connection.execute(positions.named("openPositions")).rows.map { row in
                OpenPosition(account: try row.decode("account"), tradeID: try row.decode("trade_id"),
                             entryTaskID: try row.decode("entry_task_id"), direction: try row.decodeIfPresent("direction"),
                             contracts: try row.decodeIfPresent("contracts"), openedAt: try row.decode("opened_at"))
            }
            // A backward walk of the primary key that stops at the limit: cheap for an account that
            // is busy; for one that is rare, the statement timeout bounds it.
            let attempts: Query = """
                SELECT \(unescaped: Self.logColumns(features))
                FROM (SELECT * FROM execution_logs WHERE account = \(account) ORDER BY id DESC LIMIT \(max(0, attemptLimit))) AS l
                JOIN execution_tasks t ON t.id = l.task_id
                ORDER BY l.id DESC
                """
            let recent = try connection.execute(attempts.named("accountAttempts")).rows.map(Self.logEntry)
            return AccountDetail(name: account, positions: open, recentAttempts: recent)
        }
    }
}
