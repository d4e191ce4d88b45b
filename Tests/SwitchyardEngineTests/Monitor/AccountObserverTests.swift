import Foundation
import Testing
@testable import SwitchyardEngine
import SwitchyardTestSupport

/// Per-account observers: a login role granted one account sees only that account's tasks and
/// audit rows, with psql and through Switchyard; the server refuses its writes; revoking takes
/// the access away. Operators and the owner are not affected.
@Suite(.database) struct AccountObserverTests {
    /// A login role with no privileges of its own (roles are cluster-wide: named after the schema).
    struct LoginRole {
        let name: String
        let schema: TestSchema
        let admin: PGConnection

        init(schema: TestSchema, suffix: String = "") throws {
            self.schema = schema
            name = "acctobs_" + schema.name + suffix
            admin = try schema.connect()
            try admin.execute(Query("CREATE ROLE \(name) LOGIN", parameters: []))
        }

        /// The schema's URL with this role as the user (the test server trusts its unix socket).
        var conninfo: String { schema.conninfo.replacingOccurrences(of: "://switchyard@", with: "://\(name)@") }

        var environment: [String: String] {
            var environment = schema.processEnvironment
            environment["DATABASE_URL"] = conninfo
            return environment
        }

        func connect() throws -> PGConnection { try PGConnection(settings: ConnectionSettings(conninfo: conninfo)) }

        /// psql as this role: (exit status, output with errors).
        func psql(_ sql: String) throws -> (status: Int32, output: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
            process.arguments = [conninfo, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }

        func drop() {
            _ = try? admin.execute(Query("DROP OWNED BY \(name)", parameters: []))
            _ = try? admin.execute(Query("DROP ROLE \(name)", parameters: []))
        }
    }

    /// A drained queue over two accounts, alpha refusing some orders, plus a task only bravo took.
    func drainedSchema(function: String = #function) throws -> (TestSchema, String) {
        let schema = try TestDatabase.makeMigratedSchema(function: function)
        let file = try AccountFiguresTests.accountsFile("""
            {"accounts": [
              {"name": "alpha", "point_value": 5, "risk_per_trade": 250, "max_contracts": 4, "directions": ["LONG"]},
              {"name": "bravo", "point_value": 5, "risk_per_trade": 500, "max_contracts": 2}
            ]}
            """)
        let tasks = DemoTraffic.trades(count: 40).map { task in
            NewTask(unchecked: task.tradeID, eventType: task.eventType, payload: task.payload, maxAttempts: 1)
        }
        try TaskQueue(connection: schema.connect()).enqueue(tasks)
        try AccountFiguresTests.drain(schema, accounts: file, ["--fail-rate", "0.2", "--seed", "5"])
        return (schema, file)
    }

    func switchyard(_ arguments: [String], _ environment: [String: String]) throws -> Executable.Output {
        try Executable.run(arguments, environment: environment)
    }

    @Test func aRoleGrantedOneAccountSeesOnlyItsRowsAndCannotWrite() throws {
        let (schema, _) = try drainedSchema()
        let owner = try schema.connect()
        let role = try LoginRole(schema: schema)
        defer { role.drop() }
        // Before the grant it may read nothing.
        #expect(try role.psql("SELECT count(*) FROM execution_logs").status != 0)

        let grant = try switchyard(["observers", "grant", role.name, "--accounts", "alpha"], schema.processEnvironment)
        #expect(grant.status == 0, "\(grant.stderr)")
        #expect(grant.stdout.contains("\(role.name) now observes alpha"))
        let list = try switchyard(["observers", "list"], schema.processEnvironment)
        #expect(list.stdout.contains(role.name) && list.stdout.contains("alpha"), "\(list.stdout)")

        // What alpha has, as the owner counts it: alpha took only the LONG ENTRYs and their EXITs.
        let alphaTasks = try owner.count("""
            SELECT count(DISTINCT task_id) AS n FROM execution_logs WHERE account = 'alpha' AND event = 'ATTEMPT'
            """)
        let alphaLogs = try owner.count("SELECT count(*) AS n FROM execution_logs WHERE account = 'alpha'")
        let allTasks = try owner.count("SELECT count(*) AS n FROM execution_tasks")
        #expect(alphaTasks > 0 && alphaTasks < allTasks)

        // psql: only alpha's audit rows, only the tasks routed to alpha.
        #expect(try role.psql("SELECT string_agg(DISTINCT account, ',') FROM execution_logs").output == "alpha\n")
        #expect(try role.psql("SELECT count(*) FROM execution_logs").output == "\(alphaLogs)\n")
        #expect(try role.psql("SELECT count(*) FROM execution_tasks").output == "\(alphaTasks)\n")
        #expect(try role.psql("""
            SELECT count(*) FROM execution_tasks t WHERE NOT EXISTS (
              SELECT 1 FROM execution_logs l WHERE l.task_id = t.id AND l.account = 'alpha')
            """).output == "0\n")
        #expect(try role.psql("SELECT DISTINCT account FROM switchyard_account_minutes").output == "alpha\n")
        #expect(try role.psql("SELECT count(*) FROM switchyard_attempt_minutes").output == "0\n")
        // The same rows rolled up into hours (migration 14): still only alpha's, none of the queue's.
        try owner.execute("INSERT INTO switchyard_attempt_hours (hour, succeeded) VALUES ('2026-01-01 10:00', 5)")
        try owner.execute("""
            INSERT INTO switchyard_account_hours (hour, account, accepted)
            VALUES ('2026-01-01 10:00', 'alpha', 3), ('2026-01-01 10:00', 'bravo', 4)
            """)
        #expect(try role.psql("SELECT string_agg(account, ',') FROM switchyard_account_hours").output == "alpha\n")
        #expect(try role.psql("SELECT count(*) FROM switchyard_attempt_hours").output == "0\n")
        #expect(try role.psql("SELECT string_agg(account, ',') FROM switchyard_observers").output == "alpha\n")

        // Every write is refused by the server, whatever the session says.
        for statement in [
            "INSERT INTO execution_tasks (trade_id, event_type) VALUES ('x', 'ENTRY')",
            "UPDATE execution_tasks SET status = 'PENDING'",
            "DELETE FROM execution_tasks",
            "INSERT INTO execution_logs (task_id, status, account) VALUES (1, 'SUCCESS', 'alpha')",
            "UPDATE switchyard_control SET global_paused = true",
            "INSERT INTO switchyard_observers (role_name, account, granted_by) VALUES (current_user, 'bravo', 'me')",
            "SELECT count(*) FROM switchyard_control_log",
        ] {
            let result = try role.psql(statement)
            #expect(result.status != 0 && result.output.contains("permission denied"), "\(statement): \(result.output)")
        }
        // Through Switchyard's own command too.
        let retry = try switchyard(["tasks", "retry", "1"], role.environment)
        #expect(retry.status != 0 && retry.stderr.contains("permission denied"), "\(retry.stderr)")

        // stats --json --read-only as the role: its account, its tasks, its rows; no error.
        let stats = try switchyard(["stats", "--json", "--read-only", "--limit", "50"], role.environment)
        #expect(stats.status == 0, "\(stats.stderr)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
        #expect((root["unavailable"] as? [String: Any])?.isEmpty == true, "\(root["unavailable"] ?? "")")
        let observed = root["observed_accounts"] as? [String]
        #expect(observed == ["alpha"], "\(stats.stdout.prefix(300))")
        let accounts = try #require(root["accounts"] as? [[String: Any]])
        #expect(accounts.map { $0["name"] as? String } == ["alpha"])
        let alphaAccepted = try owner.count("SELECT count(*) AS n FROM execution_logs WHERE account = 'alpha' AND event = 'ATTEMPT' AND status = 'SUCCESS'")
        let alphaRefused = try owner.count("SELECT count(*) AS n FROM execution_logs WHERE account = 'alpha' AND event = 'ATTEMPT' AND status = 'FAILED'")
        #expect(accounts[0]["last_hour"] as? [String: Int] == ["accepted": alphaAccepted, "refused": alphaRefused])
        let logs = try #require(root["recent_logs"] as? [[String: Any]])
        #expect(!logs.isEmpty && logs.allSatisfy { $0["account"] as? String == "alpha" })
        let counts = try #require((root["queue"] as? [String: Any])?["counts"] as? [String: Int])
        #expect(counts.values.reduce(0, +) == alphaTasks, "\(counts)")
        let rates = try #require((root["rates"] as? [String: Any])?["last_hour"] as? [String: Int])
        #expect(rates == ["succeeded": alphaAccepted, "failed": alphaRefused])
        #expect((root["routers"] as? [Any])?.isEmpty == false)

        // The dashboard as the role, in a real terminal: its account only, changes refused with the reason.
        var environment = role.environment.filter { $0.key == "DATABASE_URL" }
        environment["LANG"] = "C.UTF-8"
        let tmux = try TmuxSession(command: [Executable.path, "monitor", "--read-only", "--refresh", "0.5"],
                                   environment: environment, width: 120, height: 40)
        defer { tmux.close() }
        let dashboard = try tmux.waitUntil(description: "the observer's dashboard with its account") {
            $0.contains("OBSERVER alpha") && $0.contains("Accounts, last hour") && $0.contains(" alpha ")
        }
        // No account column shows bravo (a task's own last error may name it: docs/operations.md).
        #expect(dashboard.range(of: "[ ?-]bravo ", options: .regularExpression) == nil, "\(dashboard)")
        #expect(!dashboard.contains("unavailable"), "\(dashboard)")
        #expect(!dashboard.contains("permission denied"), "\(dashboard)")
        try tmux.send("4")
        let view = try tmux.waitFor("Accounts: orders in the last hour")
        #expect(view.contains("alpha") && view.range(of: "[ ?-]bravo ", options: .regularExpression) == nil, "\(view)")
        try tmux.send("Enter")
        let detail = try tmux.waitFor("Recent attempts")
        #expect(detail.range(of: "[ ?-]bravo ", options: .regularExpression) == nil, "\(detail)")
        try tmux.send("r")
        try tmux.waitFor("retry (r) is disabled; this role may only read alpha")
        try tmux.send("q", "q", "q")
        let end = try tmux.waitForExit()
        #expect(end.status == 0, "\(end.screen)")

        // The owner and a whole-queue operator role still see everything.
        #expect(try owner.count("SELECT count(*) AS n FROM execution_tasks") == allTasks)
        let operatorRole = try LoginRole(schema: schema, suffix: "_op")
        defer { operatorRole.drop() }
        try owner.execute(Query("GRANT USAGE ON SCHEMA \(schema.name) TO \(operatorRole.name)", parameters: []))
        try owner.execute(Query("GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA \(schema.name) TO \(operatorRole.name)",
                                parameters: []))
        #expect(try operatorRole.psql("SELECT count(*) FROM execution_tasks").output == "\(allTasks)\n")
        #expect(try operatorRole.psql("SELECT count(DISTINCT account) FROM execution_logs").output == "2\n")

        // Revoking takes it all away.
        let revoke = try switchyard(["observers", "revoke", role.name], schema.processEnvironment)
        #expect(revoke.status == 0, "\(revoke.stderr)")
        #expect(try role.psql("SELECT count(*) FROM execution_logs").output.contains("permission denied"))
        #expect(try role.psql("SELECT count(*) FROM execution_tasks").output.contains("permission denied"))
        #expect(try switchyard(["observers", "list"], schema.processEnvironment).stdout.contains("No per-account observers"))
        // Both changes are in the audit of router-wide actions.
        #expect(try owner.count("""
            SELECT count(*) AS n FROM switchyard_control_log WHERE action IN ('OBSERVER_GRANTED', 'OBSERVER_REVOKED')
            """) == 2)
    }

    /// For a task whose routed accounts are not known yet (NULL: from before migration 21, until
    /// its backfill), the observer's view of the queue probes the task's audit rows, correlated
    /// by task id, row by row: never a hash of the observer's tasks built per statement (which
    /// index the probe takes is the planner's: on tables this small, any).
    @Test func anObserversTaskCountProbesEachTaskNotKnownYetByItsID() throws {
        let (schema, _) = try drainedSchema()
        let role = try LoginRole(schema: schema)
        defer { role.drop() }
        #expect(try switchyard(["observers", "grant", role.name, "--accounts", "alpha"], schema.processEnvironment).status == 0)
        try schema.connect().execute("UPDATE execution_tasks SET routed_accounts = NULL")
        let plan = try role.psql("""
            EXPLAIN (COSTS OFF) SELECT count(*) FROM (SELECT 1 FROM execution_tasks t WHERE t.status = 'SUCCESS' LIMIT 101) AS capped
            """)
        #expect(plan.status == 0, "\(plan.output)")
        #expect(plan.output.contains("ELSE (SubPlan"), "\(plan.output)")
        #expect(plan.output.contains("task_id = t.id"), "\(plan.output)")
        #expect(!plan.output.contains("Hash Join") && !plan.output.contains("Hash Semi Join"), "\(plan.output)")
    }

    @Test func grantingARoleThatWouldSeeEverythingOrMayWriteIsRefused() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let owner = try schema.connect()
        let queries = AccountObservers(connection: owner)
        let missing = try #require(throws: ObserverError.self) {
            try queries.grant(role: "no_such_role_\(schema.name)", accounts: ["alpha"], actor: "test")
        }
        #expect(missing.advice?.contains("CREATE ROLE") == true)
        let superuser = try #require(throws: ObserverError.self) { try queries.grant(role: "switchyard", accounts: ["a"], actor: "t") }
        #expect(superuser.message.contains("superuser"))
        let writer = try LoginRole(schema: schema, suffix: "_w")
        defer { writer.drop() }
        try owner.execute(Query("GRANT INSERT ON execution_tasks TO \(writer.name)", parameters: []))
        let writes = try #require(throws: ObserverError.self) { try queries.grant(role: writer.name, accounts: ["a"], actor: "t") }
        #expect(writes.message.contains("may write"))
        let none = try #require(throws: ObserverError.self) { try queries.revoke(role: writer.name, actor: "t") }
        #expect(none.message.contains("observes no account"))
        #expect(try queries.list().isEmpty)
    }
}
