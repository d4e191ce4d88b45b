import Foundation
import SwitchyardResources
import Testing
@testable import SwitchyardEngine
import SwitchyardTestSupport

/// `execution_tasks.routed_accounts` (migration 21), what a per-account observer's policy reads:
/// always the accounts of the task's ATTEMPT audit rows, whoever wrote them, and the observer
/// sees the same tasks as under the probe of the audit rows it replaces.
@Suite(.database) struct RoutedAccountsTests {
    /// Every task whose list differs from its audit rows' accounts ('{}' for none), as text.
    static let mismatches: Query = """
        SELECT string_agg(t.id || ': ' || coalesce(t.routed_accounts::text, 'NULL') || ' <> ' || a.accounts::text, '; ' ORDER BY t.id) AS m
        FROM execution_tasks t
        CROSS JOIN LATERAL (SELECT ARRAY(SELECT DISTINCT l.account FROM execution_logs l
                                         WHERE l.task_id = t.id AND l.event = 'ATTEMPT' AND l.account IS NOT NULL
                                         ORDER BY 1) AS accounts) AS a
        WHERE t.routed_accounts IS DISTINCT FROM a.accounts
        """

    func routed(_ connection: PGConnection, _ id: TaskID) throws -> String? {
        try connection.execute("SELECT routed_accounts::text AS r FROM execution_tasks WHERE id = \(id)").first?.decodeIfPresent("r")
    }

    /// Rows of execution_tasks this session has updated, as the statistics count them (its
    /// pending counts flushed first).
    func taskUpdates(_ connection: PGConnection) throws -> Int {
        try connection.execute("SELECT pg_stat_force_next_flush()")
        try connection.execute("SELECT 1")
        return try connection.count("SELECT n_tup_upd::int AS n FROM pg_stat_user_tables WHERE relid = 'execution_tasks'::regclass")
    }

    @Test func theWriteBackTheAuditTriggerAndTheBackfillKeepItEqualToTheAuditRows() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let owner = try schema.connect()
        let queue = TaskQueue(connection: owner)
        try queue.enqueue(DemoTraffic.trades(count: 3))
        let claimed = try queue.claim(limit: 3, routerID: "r", lease: .seconds(60)).sorted { $0.id < $1.id }
        try #require(claimed.count == 3)
        let (one, two, three) = (claimed[0].id, claimed[1].id, claimed[2].id)
        func attempt(_ id: TaskID, _ account: String, _ status: AttemptLog.Status = .success) -> AttemptLog {
            AttemptLog(taskID: id, account: account, status: status, responseCode: 200, message: "ok")
        }
        let outcomes = [
            TaskOutcome(taskID: one, result: .succeeded, logs: [attempt(one, "bravo"), attempt(one, "alpha")]),
            TaskOutcome(taskID: two, result: .failed("refused"), logs: [attempt(two, "alpha", .failed)]),
            TaskOutcome(taskID: three, result: .failedPermanently("bad payload"), logs: []),
        ]
        let updatesBefore = try taskUpdates(owner)
        _ = try TaskCompleter(routerID: "r").runOnce(outcomes, of: claimed, on: owner)
        // One row version per task: the list is written by the UPDATE that finishes the task, and
        // the audit trigger finds nothing left to add.
        #expect(try taskUpdates(owner) - updatesBefore == 3)
        // The write-back's own UPDATE: sorted, no repeats; nothing for a task with no attempt.
        #expect(try routed(owner, one) == "{alpha,bravo}")
        #expect(try routed(owner, two) == "{alpha}")
        #expect(try routed(owner, three) == "{}")

        // Another writer's audit rows (the seed system's, SQL by hand): the trigger adds the account
        // of an attempt, and ignores other events and rows without an account.
        try owner.execute("""
            INSERT INTO execution_logs (task_id, status, event, account) VALUES
                (\(two), 'SUCCESS', 'ATTEMPT', 'delta'), (\(two), 'SUCCESS', 'ATTEMPT', 'alpha'),
                (\(three), 'PENDING', 'RETRY', 'echo'), (\(three), 'FAILED', 'ATTEMPT', NULL)
            """)
        #expect(try routed(owner, two) == "{alpha,delta}")
        #expect(try routed(owner, three) == "{}")

        // A row from before the migration (NULL: not known): the trigger reads the whole list from
        // the audit rows, and the write-back leaves such a row to it.
        try owner.execute("UPDATE execution_tasks SET routed_accounts = NULL WHERE id IN (\(one), \(two))")
        try owner.execute("INSERT INTO execution_logs (task_id, status, event, account) VALUES (\(one), 'SUCCESS', 'ATTEMPT', 'foxtrot')")
        #expect(try routed(owner, one) == "{alpha,bravo,foxtrot}")
        try owner.execute("""
            UPDATE execution_tasks SET available_at = CASE WHEN id = \(two) THEN now() ELSE now() + interval '1 hour' END
            WHERE status IN ('PENDING', 'RETRYING')
            """)
        let again = try queue.claim(limit: 10, routerID: "r", lease: .seconds(60))
        try #require(again.map(\.id) == [two])
        _ = try TaskCompleter(routerID: "r").runOnce(
            [TaskOutcome(taskID: two, result: .succeeded, logs: [attempt(two, "golf")])], of: again, on: owner)
        #expect(try routed(owner, two) == "{alpha,delta,golf}")
        #expect(try owner.execute(Self.mismatches).first?.decodeIfPresent("m", as: String.self) == nil)

        // The backfill of migration 21 fills rows it finds NULL from the audit rows.
        try owner.execute("UPDATE execution_tasks SET routed_accounts = NULL")
        let migrator = Migrator()
        try migrator.down(to: 20, on: owner)
        #expect(try owner.count("SELECT count(*) AS n FROM information_schema.columns WHERE column_name = 'routed_accounts' AND table_schema = current_schema()") == 0)
        try migrator.up(on: owner, actor: "test")
        #expect(try owner.execute(Self.mismatches).first?.decodeIfPresent("m", as: String.self) == nil)
        #expect(try owner.count("SELECT count(*) AS n FROM execution_tasks WHERE routed_accounts IS NULL") == 0)
    }

    /// An observer sees exactly the tasks the probe of migration 14 showed it, whether the list is
    /// known or not; and once every list is known, its count never reads the audit rows.
    @Test func anObserverSeesTheTasksOfItsAccountsAndCountsWithoutProbingTheAuditRows() throws {
        let (schema, _) = try AccountObserverTests().drainedSchema()
        let owner = try schema.connect()
        let role = try AccountObserverTests.LoginRole(schema: schema)
        defer { role.drop() }
        let grant = try Executable.run(["observers", "grant", role.name, "--accounts", "alpha"], environment: schema.processEnvironment)
        #expect(grant.status == 0, "\(grant.stderr)")
        #expect(try owner.execute(Self.mismatches).first?.decodeIfPresent("m", as: String.self) == nil)
        let alphaTasks = try owner.count("""
            SELECT count(DISTINCT task_id) AS n FROM execution_logs WHERE account = 'alpha' AND event = 'ATTEMPT'
            """)
        let allTasks = try owner.count("SELECT count(*) AS n FROM execution_tasks")
        #expect(alphaTasks > 0 && alphaTasks < allTasks)
        let visible = "SELECT string_agg(id::text, ',' ORDER BY id) FROM execution_tasks"
        let expected = try owner.execute("""
            SELECT string_agg(id::text, ',' ORDER BY id) || E'\\n' AS ids FROM execution_tasks t
            WHERE EXISTS (SELECT 1 FROM execution_logs l WHERE l.task_id = t.id AND l.event = 'ATTEMPT' AND l.account = 'alpha')
            """).first!.decode("ids", as: String.self)
        #expect(try role.psql(visible).output == expected)

        // Counting by status reads the task rows only: the probe is in the plan, for rows not
        // known, and never runs.
        let plan = try role.psql("""
            EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
            SELECT count(*) FROM (SELECT 1 FROM execution_tasks t WHERE t.status = 'SUCCESS' LIMIT 101) AS capped
            """)
        #expect(plan.status == 0, "\(plan.output)")
        #expect(plan.output.contains("routed_accounts &&"), "\(plan.output)")
        #expect(plan.output.contains("never executed"), "\(plan.output)")
        #expect(!plan.output.contains("Hash Join") && !plan.output.contains("Hash Semi Join"), "\(plan.output)")

        // The list names other accounts: the observer may read every other column, not this one.
        #expect(try role.psql("SELECT count(*) FROM execution_tasks WHERE routed_accounts IS NOT NULL").output
            .contains("permission denied"))
        #expect(try role.psql("SELECT count(*) FROM (SELECT id, status, last_error, held_from FROM execution_tasks) t").output == "\(alphaTasks)\n")
        // Also for an observer granted before migration 21, and back down and up again.
        let migrator = Migrator()
        try migrator.down(to: 20, on: owner)
        #expect(try role.psql("SELECT count(*) FROM (SELECT * FROM execution_tasks) t").output == "\(alphaTasks)\n")
        try migrator.up(on: owner, actor: "test")
        #expect(try role.psql("SELECT routed_accounts FROM execution_tasks").output.contains("permission denied"))
        #expect(try role.psql(visible).output == expected)

        // Half the lists unknown again (as during the backfill): the same tasks, by the probe.
        try owner.execute("UPDATE execution_tasks SET routed_accounts = NULL WHERE id % 2 = 0")
        #expect(try role.psql(visible).output == expected)
        // A list that is wrong shows what the list says: the list is what the policy reads.
        try owner.execute("UPDATE execution_tasks SET routed_accounts = '{bravo}' WHERE id % 2 = 1")
        #expect(try role.psql(visible).output != expected)
    }
}
