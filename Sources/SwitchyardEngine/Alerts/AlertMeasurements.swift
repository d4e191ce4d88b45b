import FoundationEssentials

/// The current value of each rule's condition at one `now`, read with the dashboard's tuned
/// queries where they exist, each read once per pass however many rules need it. Every read is
/// cheap at ten million tasks: capped index-only counts, the oldest eligible task through its
/// index, and per-minute tables for the windows (docs/performance.md).
struct Measurements {
    let connection: PGConnection
    let now: Date
    private var cache: [String: [String: Double]] = [:]
    private var features: SchemaFeatures?

    /// FAILED or DEAD are counted up to this many (or the threshold + 1, when larger), as the
    /// dashboard counts its small statuses: an index-only scan that stops there.
    static let countCap = 10_001

    init(connection: PGConnection, now: Date) {
        (self.connection, self.now) = (connection, now)
    }

    /// The value per subject: `""` for cluster-wide conditions, the account for account rules
    /// (every account with refusals in the window).
    mutating func values(for rule: StoredRule) throws -> [String: Double] {
        let key: String
        switch rule.condition {
        case .failedOver(let n): key = "failed \(max(n + 1, Self.countCap))"
        case .deadOver(let n): key = "dead \(max(n + 1, Self.countCap))"
        case .noRouterFor: key = "routers \(rule.createdAt.timeIntervalSince1970)"
        default: key = rule.condition.kind.rawValue + " \(rule.condition.windowMinutes ?? 0)"
        }
        if let cached = cache[key] { return cached }
        let values: [String: Double]
        switch rule.condition {
        case .failedOver(let n): values = ["": Double(try count(.failed, cap: max(n + 1, Self.countCap)))]
        case .deadOver(let n): values = ["": Double(try count(.dead, cap: max(n + 1, Self.countCap)))]
        case .lagOver: values = ["": try lag()]
        case .noRouterFor: values = ["": try timeWithoutRouter(since: rule.createdAt)]
        case .failureRateOver(_, let window): values = ["": try failurePercent(windowMinutes: window)]
        case .accountRefusalsOver(_, let window): values = try refusalsByAccount(windowMinutes: window)
        }
        cache[key] = values
        return values
    }

    private func count(_ status: TaskStatus, cap: Int) throws -> Int {
        let query: Query = """
            SELECT count(*) AS n FROM (SELECT 1 FROM execution_tasks WHERE status = \(status.rawValue) LIMIT \(cap)) AS capped
            """
        return try connection.execute(query.named("alertCountTasks")).first!.decode("n")
    }

    /// Seconds the oldest eligible task has waited: the dashboard's lag.
    private mutating func lag() throws -> Double {
        let features = try self.features ?? SchemaFeatures.detect(on: connection)
        self.features = features
        guard let oldest = try MonitorQueries().oldestEligible(on: connection, features: features, now: now) else { return 0 }
        return max(0, now.timeIntervalSince(oldest))
    }

    /// Seconds since the last moment some router was live by the one rule (`RouterLiveness`);
    /// 0 while one is. With no router ever seen, counted from the rule's creation.
    private func timeWithoutRouter(since created: Date) throws -> Double {
        let live = RouterLiveness.condition(at: now, hasLiveUntil: true)
        let promise = "coalesce(live_until, heartbeat_at + \(RouterLiveness.legacyWindow.milliseconds) * interval '1 millisecond')"
        let query: Query = """
            SELECT coalesce(bool_or(\(live)), false) AS any_live,
                   max(CASE WHEN stopped_at IS NULL THEN \(unescaped: promise) ELSE least(stopped_at, \(unescaped: promise)) END)
                       AS last_live
            FROM switchyard_routers
            """
        let row = try connection.execute(query.named("alertLastLiveRouter")).first!
        if try row.decode("any_live", as: Bool.self) { return 0 }
        let last = max(try row.decodeIfPresent("last_live", as: Date.self) ?? created, created)
        return max(0, now.timeIntervalSince(last))
    }

    /// The whole minutes of the window, the current one included, as the per-minute tables
    /// store them (server-local `minute`, like the audit rows they count).
    private func windowCondition(_ windowMinutes: Int) -> Query {
        """
        minute >= date_trunc('minute', \(now)::timestamptz::timestamp) - \(windowMinutes - 1) * interval '1 minute'
        AND minute <= \(now)::timestamptz::timestamp
        """
    }

    /// Percent of the window's finished attempts that failed; 0 with none.
    private func failurePercent(windowMinutes: Int) throws -> Double {
        let query: Query = """
            SELECT coalesce(sum(succeeded), 0)::bigint AS succeeded, coalesce(sum(failed), 0)::bigint AS failed
            FROM switchyard_attempt_minutes WHERE \(windowCondition(windowMinutes))
            """
        let row = try connection.execute(query.named("alertFailureRate")).first!
        let succeeded: Int = try row.decode("succeeded"), failed: Int = try row.decode("failed")
        return succeeded + failed == 0 ? 0 : Double(failed) * 100 / Double(succeeded + failed)
    }

    /// Refused orders per account in the window: the dashboard's counter (`refused` of
    /// `switchyard_account_minutes`, migration 11; the one counter since migration 14).
    private func refusalsByAccount(windowMinutes: Int) throws -> [String: Double] {
        let query: Query = """
            SELECT account, sum(refused)::bigint AS n FROM switchyard_account_minutes
            WHERE \(windowCondition(windowMinutes)) GROUP BY account HAVING sum(refused) > 0
            """
        var values: [String: Double] = [:]
        for row in try connection.execute(query.named("alertRefusalsByAccount")).rows {
            values[try row.decode("account")] = Double(try row.decode("n", as: Int.self))
        }
        return values
    }
}
