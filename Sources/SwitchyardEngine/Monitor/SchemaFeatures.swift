/// Which of Switchyard's tables and columns a database has: a seed-only database (the seed
/// system's two tables, never migrated) lacks the queue columns, the audit columns, routers and
/// control, and the dashboard reports those parts as unavailable instead of failing.
public struct SchemaFeatures: Equatable, Sendable {
    /// Column names of `execution_tasks`; empty when the table is missing.
    public var taskColumns: Set<String>
    /// Column names of `execution_logs`; empty when the table is missing.
    public var logColumns: Set<String>
    public var hasRoutersTable: Bool
    public var hasControlTable: Bool
    /// Attempts per minute kept by a trigger (migration 6), readable by this role; without it
    /// the rates part counts the hour's audit rows instead.
    public var hasAttemptMinutes: Bool
    /// Routers promise how long they stay live (`live_until`, migration 7).
    public var hasRouterLiveUntil: Bool
    /// Schedules and their runs (migration 10).
    public var hasSchedules: Bool
    /// Per-account minutes and open positions kept by a trigger (migration 11), readable by this role.
    public var hasAccountFigures: Bool
    /// The accounts this role observes when it is a per-account observer (migration 12,
    /// `switchyard observers grant`): row-level security shows it only their rows. nil for
    /// every other role.
    public var observedAccounts: [String]?
    /// Hourly counts that routers roll old minutes up into (migration 14), readable by this role.
    public var hasHourTables: Bool
    /// The live order ledger (migration 17), readable by this role.
    public var hasOrderLedger: Bool

    public init(taskColumns: Set<String>, logColumns: Set<String>, hasRoutersTable: Bool, hasControlTable: Bool,
                hasAttemptMinutes: Bool = false, hasRouterLiveUntil: Bool = false, hasSchedules: Bool = false,
                hasAccountFigures: Bool = false, observedAccounts: [String]? = nil, hasHourTables: Bool = false,
                hasOrderLedger: Bool = false) {
        self.hasSchedules = hasSchedules
        self.hasOrderLedger = hasOrderLedger
        self.hasHourTables = hasHourTables
        self.hasAccountFigures = hasAccountFigures
        self.observedAccounts = observedAccounts
        self.taskColumns = taskColumns
        self.logColumns = logColumns
        self.hasRoutersTable = hasRoutersTable
        self.hasControlTable = hasControlTable
        self.hasAttemptMinutes = hasAttemptMinutes
        self.hasRouterLiveUntil = hasRouterLiveUntil
    }

    public var hasTasksTable: Bool { !taskColumns.isEmpty }
    public var hasLogsTable: Bool { !logColumns.isEmpty }
    /// `available_at`, `max_attempts`, leases and dead-letter columns (migration 2).
    public var hasQueueColumns: Bool {
        taskColumns.isSuperset(of: ["available_at", "max_attempts", "locked_by", "locked_until", "finished_at",
                                    "dead_letter_reason"])
    }
    /// `event`, `account`, `actor`, `router_id`, `duration_ms` on the audit rows (migration 2).
    public var hasAuditColumns: Bool {
        logColumns.isSuperset(of: ["event", "account", "actor", "router_id", "duration_ms"])
    }
    /// The seed system's tables only: Switchyard never migrated this database.
    public var isSeedOnly: Bool { hasTasksTable && !hasQueueColumns }

    /// Why a part needing `what` cannot be shown, with the step that fixes it.
    static func needsMigration(_ what: String) -> String {
        "needs `switchyard migrate` (\(what) is missing)"
    }

    /// Reads the catalogue (visible to every role) for the tables on the session's search_path.
    static let detectQuery: Query = """
        SELECT c.relname AS table_name, a.attname AS column_name, has_table_privilege(c.oid, 'SELECT') AS readable
        FROM unnest(ARRAY['execution_tasks', 'execution_logs', 'switchyard_routers', 'switchyard_control',
                          'switchyard_attempt_minutes', 'switchyard_schedules', 'switchyard_account_minutes',
                          'switchyard_open_positions', 'switchyard_account_positions',
                          'switchyard_observers', 'switchyard_attempt_hours', 'switchyard_account_hours',
                          'switchyard_orders']) AS n(name)
        JOIN pg_class c ON c.oid = to_regclass(n.name)
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        """

    static func detect(on connection: PGConnection) throws -> SchemaFeatures {
        var columns: [String: Set<String>] = [:]
        var readable: Set<String> = []
        for row in try connection.execute(detectQuery.named("detectSchemaFeatures")).rows {
            let table: String = try row.decode("table_name")
            let column: String? = try row.decodeIfPresent("column_name")
            columns[table, default: []].formUnion(column.map { [$0] } ?? [])
            if try row.decode("readable", as: Bool.self) { readable.insert(table) }
        }
        var observed: [String]?
        if readable.contains("switchyard_observers") {
            // Row-level security shows each role its own rows only.
            let accounts = try connection.execute(observedAccountsQuery.named("observedAccounts")).first?.decodeIfPresent("accounts", as: String.self)
            observed = accounts.map { PostgresArray.parse($0).compactMap { $0 } }
        }
        let accountTables = ["switchyard_account_minutes", "switchyard_open_positions", "switchyard_account_positions"]
        return SchemaFeatures(taskColumns: columns["execution_tasks"] ?? [], logColumns: columns["execution_logs"] ?? [],
                              hasRoutersTable: columns["switchyard_routers"] != nil,
                              hasControlTable: columns["switchyard_control"] != nil,
                              // An observer may read the table, but none of its rows are its own.
                              hasAttemptMinutes: observed == nil && readable.contains("switchyard_attempt_minutes")
                                  && (columns["switchyard_attempt_minutes"] ?? []).isSuperset(of: ["minute", "succeeded", "failed"]),
                              hasRouterLiveUntil: (columns["switchyard_routers"] ?? []).contains("live_until"),
                              hasSchedules: readable.contains("switchyard_schedules") && (columns["execution_tasks"] ?? []).contains("schedule_id"),
                              hasAccountFigures: accountTables.allSatisfy(readable.contains),
                              observedAccounts: observed,
                              hasHourTables: ["switchyard_attempt_hours", "switchyard_account_hours"].allSatisfy(readable.contains),
                              hasOrderLedger: readable.contains("switchyard_orders"))
    }

    /// This role's observed accounts, or NULL when it observes none (is no per-account observer).
    static let observedAccountsQuery: Query = """
        SELECT array_agg(account ORDER BY account)::text AS accounts FROM switchyard_observers WHERE role_name = current_user
        """
}
