import FoundationEssentials

/// Per-account observers (docs/operations.md): a login role that may only SELECT and that
/// row-level security (migration 12) shows only the tasks routed to its accounts, their audit
/// rows and their figures. Granting and revoking are recorded in `switchyard_control_log`.
public struct AccountObservers {
    /// One role and the accounts it observes.
    public struct Grant: Equatable, Sendable {
        public var role: String
        public var accounts: [String]
        public var grantedBy: String
        public var grantedAt: Date
        /// False when the role no longer exists (dropped after it was granted).
        public var roleExists: Bool
    }

    /// What the role reads: the dashboard's tables. Not the audit of router-wide actions, nor
    /// the migrations table. Those a database older than the newest migration has (`grantable`).
    static let readableTables = ["execution_tasks", "execution_logs", "switchyard_routers", "switchyard_control",
                                 "switchyard_attempt_minutes", "switchyard_account_minutes", "switchyard_open_positions",
                                 "switchyard_account_positions", "switchyard_attempt_hours", "switchyard_account_hours",
                                 "switchyard_orders"]

    /// Columns of `execution_tasks` an observer may not read, though its policy does: the
    /// accounts a task was routed to name other accounts than the observer's.
    static let hiddenTaskColumns = ["routed_accounts"]

    let connection: PGConnection

    public init(connection: PGConnection) {
        self.connection = connection
    }

    /// Lets `role` watch `accounts` (added to those it already observes): SELECT on the
    /// dashboard's tables and USAGE on their schema, rows limited by row-level security.
    ///
    /// Refused for a role that would see everything anyway (a superuser, a role with BYPASSRLS,
    /// the tables' owner) or that may write to the queue: an observer may only read.
    public func grant(role: String, accounts: [String], actor: String) throws {
        let accounts = Array(Set(accounts.map { $0.trimmed }.filter { !$0.isEmpty })).sorted()
        guard !accounts.isEmpty else { throw ObserverError("Name at least one account to grant.") }
        try connection.transaction { connection in
            try requireMigrated(connection)
            let check: Query = """
                SELECT r.rolsuper AS superuser, r.rolbypassrls AS bypass,
                       pg_has_role(r.oid, c.relowner, 'USAGE') AS owner,
                       has_table_privilege(r.oid, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE') AS writes,
                       has_table_privilege(r.oid, 'execution_logs', 'INSERT, UPDATE, DELETE, TRUNCATE') AS writes_logs,
                       quote_ident(r.rolname) AS quoted, quote_ident(current_schema()) AS schema
                FROM pg_roles r CROSS JOIN pg_class c
                WHERE r.rolname = \(role) AND c.oid = 'execution_tasks'::regclass
                """
            guard let row = try connection.execute(check.named("checkObserverRole")).first else {
                throw ObserverError("There is no role \(role).",
                                    advice: "Create it first, e.g. CREATE ROLE \(role) LOGIN PASSWORD '...', then grant it again.")
            }
            if try row.decode("superuser", as: Bool.self) || row.decode("bypass", as: Bool.self) {
                throw ObserverError("\(role) is a superuser or has BYPASSRLS, so it would see every account.",
                                    advice: "Grant a role of its own that is neither.")
            }
            if try row.decode("owner", as: Bool.self) {
                throw ObserverError("\(role) owns the queue's tables (or is a member of their owner), so row-level security does not apply to it.",
                                    advice: "Grant a role of its own, not the one that ran `switchyard migrate`.")
            }
            if try row.decode("writes", as: Bool.self) || row.decode("writes_logs", as: Bool.self) {
                throw ObserverError("\(role) may write to the queue's tables; an observer may only read.",
                                    advice: "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON execution_tasks, execution_logs FROM \(role), or grant another role.")
            }
            let quoted: String = try row.decode("quoted"), schema: String = try row.decode("schema")
            try connection.execute(Query("GRANT USAGE ON SCHEMA \(schema) TO \(quoted)", parameters: []))
            let tables = try grantable(connection)
            try connection.execute(Query("GRANT SELECT ON \(tables) TO \(quoted)", parameters: []))
            // Every column of the queue but the accounts each task was routed to (migration 21):
            // the policy reads them, the observer may not, since they name other accounts.
            let taskColumns: Query = """
                SELECT CASE WHEN bool_or(attname = ANY (\(Self.hiddenTaskColumns)::text[]))
                            THEN string_agg(quote_ident(attname), ', ' ORDER BY attnum)
                                     FILTER (WHERE attname <> ALL (\(Self.hiddenTaskColumns)::text[])) END AS columns
                FROM pg_attribute WHERE attrelid = 'execution_tasks'::regclass AND attnum > 0 AND NOT attisdropped
                """
            if let columns = try connection.execute(taskColumns.named("observableTaskColumns")).first?
                .decodeIfPresent("columns", as: String.self) {
                try connection.execute(Query("REVOKE SELECT ON execution_tasks FROM \(quoted)", parameters: []))
                try connection.execute(Query("GRANT SELECT (\(columns)) ON execution_tasks TO \(quoted)", parameters: []))
            }
            let insert: Query = """
                INSERT INTO switchyard_observers (role_name, account, granted_by)
                SELECT \(role), account, \(actor) FROM unnest(\(accounts)::text[]) AS a(account)
                ON CONFLICT (role_name, account) DO NOTHING
                """
            try connection.execute(insert.named("grantObserver"))
            try audit("OBSERVER_GRANTED", role: role, accounts: accounts, actor: actor, on: connection)
        }
    }

    /// Takes `accounts` from `role`; all of them when nil, and then its SELECT on the
    /// dashboard's tables too, so it sees nothing. Returns the accounts taken.
    @discardableResult
    public func revoke(role: String, accounts: [String]? = nil, actor: String) throws -> [String] {
        try connection.transaction { connection in
            try requireMigrated(connection)
            let taken: Query = """
                DELETE FROM switchyard_observers
                WHERE role_name = \(role) AND (\(accounts)::text[] IS NULL OR account = ANY(\(accounts)::text[]))
                RETURNING account
                """
            let removed = try connection.execute(taken.named("revokeObserver")).rows.map { try $0.decode("account", as: String.self) }
                .sorted()
            let left: Query = "SELECT count(*) AS n FROM switchyard_observers WHERE role_name = \(role)"
            let remaining: Int = try connection.execute(left.named("observerAccountsLeft")).first!.decode("n")
            let exists: Query = "SELECT quote_ident(rolname) AS quoted FROM pg_roles WHERE rolname = \(role)"
            if remaining == 0, let quoted = try connection.execute(exists.named("observerRole")).first?.decode("quoted", as: String.self) {
                let tables = try grantable(connection)
                try connection.execute(Query("REVOKE SELECT ON \(tables) FROM \(quoted)", parameters: []))
            }
            guard !removed.isEmpty else {
                throw ObserverError("\(role) observes " + (accounts.map { "none of \($0.joined(separator: ", "))" } ?? "no account") + ".",
                                    advice: "`switchyard observers list` shows who observes what.")
            }
            try audit("OBSERVER_REVOKED", role: role, accounts: removed, actor: actor, on: connection)
            return removed
        }
    }

    /// Every observer role and its accounts, by role name.
    public func list() throws -> [Grant] {
        try requireMigrated(connection)
        let query: Query = """
            SELECT o.role_name, array_agg(o.account ORDER BY o.account)::text AS accounts,
                   (array_agg(o.granted_by ORDER BY o.granted_at DESC))[1] AS granted_by, max(o.granted_at) AS granted_at,
                   EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = o.role_name) AS role_exists
            FROM switchyard_observers o GROUP BY o.role_name ORDER BY o.role_name
            """
        return try connection.execute(query.named("listObservers")).rows.map { row in
            Grant(role: try row.decode("role_name"), accounts: PostgresArray.parse(try row.decode("accounts")).compactMap { $0 },
                  grantedBy: try row.decode("granted_by"), grantedAt: try row.decode("granted_at"),
                  roleExists: try row.decode("role_exists"))
        }
    }

    /// `readableTables` that this database has, as a list for GRANT and REVOKE.
    private func grantable(_ connection: PGConnection) throws -> String {
        let present: Query = "SELECT n AS name FROM unnest(\(Self.readableTables)::text[]) AS n WHERE to_regclass(n) IS NOT NULL"
        return try connection.execute(present.named("observableTables")).rows.map { try $0.decode("name", as: String.self) }
            .joined(separator: ", ")
    }

    private func requireMigrated(_ connection: PGConnection) throws {
        let query: Query = "SELECT to_regclass('switchyard_observers') IS NOT NULL AS present"
        guard try connection.execute(query.named("hasObservers")).first!.decode("present", as: Bool.self) else {
            throw ObserverError("This database has no per-account observers yet (switchyard_observers is missing).",
                                advice: "Run `switchyard migrate up` first.")
        }
    }

    private func audit(_ action: String, role: String, accounts: [String], actor: String, on connection: PGConnection) throws {
        let log: Query = """
            INSERT INTO switchyard_control_log (action, actor, reason)
            VALUES (\(action), \(actor), \("role \(role): \(accounts.joined(separator: ", "))"))
            """
        try connection.execute(log.named("auditObserver"))
    }
}

/// A grant or revoke that cannot be done; says why and what to do.
public struct ObserverError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var advice: String?
    public init(_ message: String, advice: String? = nil) {
        self.message = message
        self.advice = advice
    }
    public var description: String { [message, advice].compactMap { $0 }.joined(separator: "\n") }
}
