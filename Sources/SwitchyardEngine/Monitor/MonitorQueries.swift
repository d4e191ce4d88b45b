import FoundationEssentials

/// The dashboard's reads: plain SELECTs, each served by an index, in one short read-only
/// transaction under a `statement_timeout`. They work on a SELECT-only role, on a hot standby,
/// and on a database the seed system created but Switchyard never migrated.
public struct MonitorQueries: Sendable {
    public struct Config: Sendable, Equatable {
        /// Every statement is cancelled after this long; that part is then reported unavailable.
        public var statementTimeout: Duration = .seconds(2)
        /// A part waiting this long for a lock (a migration, VACUUM FULL) gives up, so a locked
        /// table delays a refresh by this much, not by the whole statement timeout.
        public var lockTimeout: Duration = .milliseconds(500)
        /// Logs in the snapshot's recent-logs part.
        public var recentLogLimit = 50
        /// Tasks in each of the failed, dead and held lists.
        public var taskListLimit = 50
        /// Alert history rows in the alerts part.
        public var alertHistoryLimit = 30
        /// Routers whose last heartbeat is older than this are not shown.
        public var routerWindow: TimeInterval = 300
        /// The current rate is the attempts finished in this many seconds before `now`, per second.
        public var currentRateWindow: TimeInterval = 10
        /// A status with more tasks than this is not counted row by row: its count is an
        /// estimate from the planner's statistics, marked in `QueueDepth.estimated`.
        public var exactCountLimit = 10_000
        /// The same for a per-account observer: row-level security checks each task it counts
        /// (one index probe in a function, 20 to 40 µs), tasks of other accounts included, and it
        /// cannot see the statistics an estimate needs (docs/performance.md).
        public var observerCountLimit = 100
        /// With a `RatesCache`, the whole hour of attempts is read again this often.
        public var ratesFullReadInterval: TimeInterval = 300
        /// The accounts this process is configured with (its accounts file): the accounts part
        /// lists them, enabled or not, beside the accounts seen in the data.
        public var configuredAccounts: [Account] = []

        public init() {}
    }

    /// The dashboard never refreshes more often than this, however it is asked.
    public static let minimumRefreshInterval: Duration = .milliseconds(250)

    /// The interval a dashboard should use when asked for `requested`: never below the floor.
    public static func refreshInterval(_ requested: Duration) -> Duration {
        max(requested, minimumRefreshInterval)
    }

    public var config: Config
    /// Keeps finished minutes of the rates part between snapshots; nil reads the whole hour
    /// every time. A dashboard keeps one `MonitorQueries` with a cache for its lifetime.
    public var ratesCache: RatesCache?

    public init(config: Config = Config(), ratesCache: RatesCache? = nil) {
        self.config = config
        self.ratesCache = ratesCache
    }

    /// Which tables and columns the connected database has.
    public func detect(on connection: PGConnection) throws -> SchemaFeatures {
        try SchemaFeatures.detect(on: connection)
    }

    /// Every dashboard part, read in one REPEATABLE READ READ ONLY transaction so the parts agree.
    ///
    /// `now` is the clock ages and minute buckets are measured against; nil means the server's
    /// `now()`. A part that fails or times out is nil, with the reason in `unavailable`; only a
    /// lost connection makes the whole call throw.
    public func snapshot(on connection: PGConnection, filter: TaskFilter = TaskFilter(), now: Date? = nil) throws
        -> DashboardSnapshot
    {
        try timedSnapshot(on: connection, filter: filter, now: now).snapshot
    }

    /// The same snapshot, with how long each part took (for benchmarks and slow-part reports).
    public func timedSnapshot(on connection: PGConnection, filter: TaskFilter = TaskFilter(), now: Date? = nil) throws
        -> (snapshot: DashboardSnapshot, partDurations: [SnapshotPart: Duration])
    {
        var durations: [SnapshotPart: Duration] = [:]
        let snapshot = try readOnlyTransaction(on: connection) { serverNow in
            let takenAt = now ?? serverNow
            let features = try detect(on: connection)
            var snapshot = DashboardSnapshot(takenAt: takenAt, filter: filter)
            snapshot.observedAccounts = features.observedAccounts
            func read<T>(_ part: SnapshotPart, _ body: () throws -> T) throws -> T? {
                let clock = ContinuousClock()
                let start = clock.now
                defer { durations[part] = clock.now - start }
                return try readPart(part, on: connection, into: &snapshot.unavailable, body)
            }
            snapshot.queue = try read(.queue) { try queueDepth(on: connection, features: features, now: takenAt) }
            snapshot.rates = try read(.rates) { try processingRates(on: connection, features: features, now: takenAt) }
            snapshot.recentLogs = try read(.recentLogs) {
                try recentLogs(on: connection, features: features, before: nil, limit: config.recentLogLimit)
            }
            snapshot.failedTasks = try read(.failedTasks) {
                try tasks(on: connection, features: features, status: .failed, filter: filter)
            }
            snapshot.deadTasks = try read(.deadTasks) {
                try tasks(on: connection, features: features, status: .dead, filter: filter)
            }
            snapshot.heldTasks = try read(.heldTasks) {
                try tasks(on: connection, features: features, status: .held, filter: filter)
            }
            snapshot.accounts = try read(.accounts) { try accountFigures(on: connection, features: features, now: takenAt) }
            snapshot.routers = try read(.routers) { try routers(on: connection, features: features, now: takenAt) }
            snapshot.control = try read(.control) { try controlState(on: connection, features: features) }
            // A per-account observer sees neither: schedules and alert rules are the whole
            // cluster's settings (a rule's webhook is a secret, an alert may name another account).
            let observer = features.observedAccounts != nil
            snapshot.schedules = try read(.schedules) { observer ? [] : try schedules(on: connection, features: features) }
            snapshot.alerts = try read(.alerts) {
                observer ? AlertsState(rules: [], firing: [], history: []) : try alertsState(on: connection)
            }
            return snapshot
        }
        return (snapshot, durations)
    }

    /// Audit rows joined with their task, newest first; `before` is the id of the oldest row
    /// already shown (the cursor to page back), nil for the newest.
    public func recentLogs(on connection: PGConnection, before: Int? = nil, limit: Int = 50) throws -> [LogEntry] {
        try readOnlyTransaction(on: connection) { _ in
            try recentLogs(on: connection, features: detect(on: connection), before: before, limit: limit)
        }
    }

    /// Tasks matching the filter (every status when `filter.statuses` is empty), newest first.
    public func listTasks(on connection: PGConnection, filter: TaskFilter = TaskFilter(), limit: Int = 200) throws
        -> [TaskSummary]
    {
        try readOnlyTransaction(on: connection) { _ in
            try listTasks(on: connection, features: detect(on: connection), filter: filter, limit: limit)
        }
    }

    /// One task with its payload and its whole audit trail, oldest first; nil when no such task.
    public func taskDetail(on connection: PGConnection, id: TaskID) throws -> TaskDetail? {
        try readOnlyTransaction(on: connection) { _ in
            try taskDetail(on: connection, features: detect(on: connection), id: id)
        }
    }

    // MARK: - Transaction and parts

    /// Runs `body` in a short REPEATABLE READ READ ONLY transaction, with `statement_timeout`
    /// and ISO dates set for this transaction only; `body` gets the server's time, read in the
    /// same statement.
    func readOnlyTransaction<T>(on connection: PGConnection, _ body: (Date) throws -> T) throws -> T {
        do {
            return try connection.transaction(readOnly: true, repeatableRead: true) { connection in
                func milliseconds(_ duration: Duration) -> String { String(max(1, duration.milliseconds)) }
                let settings = try connection.execute("""
                    SELECT set_config('statement_timeout', \(milliseconds(config.statementTimeout)), true),
                           set_config('lock_timeout', \(milliseconds(config.lockTimeout)), true),
                           set_config('DateStyle', 'ISO, MDY', true), now() AS now
                    """)
                return try body(try settings.first!.decode("now", as: Date.self))
            }
        } catch let missing as PartUnavailable {
            throw DatabaseError(sqlState: .undefinedTable, message: "This database lacks what the dashboard reads: \(missing.reason).",
                                hint: "Run `switchyard migrate up` against \(connection.settings.displayName()).")
        }
    }

    /// Runs one part under a savepoint: when it fails, the savepoint is rolled back, the reason
    /// recorded, and the transaction goes on. A lost connection is rethrown.
    func readPart<T>(_ part: SnapshotPart, on connection: PGConnection, into unavailable: inout [String: String],
                     _ body: () throws -> T) throws -> T? {
        try readPart(named: part.rawValue, on: connection, into: &unavailable, body)
    }

    /// The same for any named reading (a part, a metrics gauge): the reason goes under `name`.
    func readPart<T>(named name: String, on connection: PGConnection, into unavailable: inout [String: String],
                     _ body: () throws -> T) throws -> T? {
        try connection.execute("SAVEPOINT monitor_part")
        do {
            let value = try body()
            try connection.execute("RELEASE SAVEPOINT monitor_part")
            return value
        } catch let error as PartUnavailable {
            try connection.execute("RELEASE SAVEPOINT monitor_part")
            unavailable[name] = error.reason
        } catch let error as DatabaseError where !error.isConnectionLost && connection.isConnected {
            try connection.execute("ROLLBACK TO SAVEPOINT monitor_part")
            unavailable[name] = reason(for: error)
        }
        return nil
    }

    func reason(for error: DatabaseError) -> String {
        switch error.sqlState {
        case .queryCanceled?:
            "timed out after \(TimeSpan.format(config.statementTimeout)) (statement_timeout)"
        case .lockNotAvailable?:
            "waited more than \(TimeSpan.format(config.lockTimeout)) for a lock (a migration or VACUUM FULL?)"
        case .insufficientPrivilege?:
            "permission denied: \(error.message)"
        case .undefinedTable?, .undefinedColumn?:
            "needs `switchyard migrate` (\(error.message))"
        default:
            error.message
        }
    }
}

/// A part that cannot be read on this database, with the reason shown instead.
struct PartUnavailable: Error {
    var reason: String
}

extension MonitorQueries {
    /// Alert rules, what is firing and the latest history rows; unavailable before migration 9.
    func alertsState(on connection: PGConnection) throws -> AlertsState {
        guard try AlertQueries.isAvailable(on: connection) else {
            throw PartUnavailable(reason: SchemaFeatures.needsMigration("switchyard_alert_rules"))
        }
        return AlertsState(rules: try AlertQueries.rules(on: connection), firing: try AlertQueries.firing(on: connection),
                           history: try AlertQueries.history(on: connection, limit: config.alertHistoryLimit))
    }
}
