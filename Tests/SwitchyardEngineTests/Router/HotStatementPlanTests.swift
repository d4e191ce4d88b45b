import Foundation
import Testing
@testable import SwitchyardEngine

/// The router's hot statements keep their good plans whatever the statistics say: planned on a
/// queue that was never analyzed and holds thousands of RUNNING tasks (the state a busy queue is
/// in before autovacuum catches up), no nested loop has the batch on its inner side.
@Suite(.database) struct HotStatementPlanTests {
    @Test func theClaimAndTheCompletionAreNeverQuadraticOnATableNeverAnalyzed() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try connection.execute("ALTER TABLE execution_tasks SET (autovacuum_enabled = false)")
        try connection.execute("ALTER TABLE execution_logs SET (autovacuum_enabled = false)")
        let queue = TaskQueue(connection: connection)
        for chunk in 0..<3 {
            try queue.enqueue(DemoTraffic.trades(count: 2000, firstNumber: chunk * 2000))
        }
        // Thousands in flight under other routers.
        for router in ["a", "b", "c", "d"] { _ = try queue.claim(limit: 1000, routerID: router, lease: .seconds(60)) }
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'RUNNING'") >= 3000)
        // No statistics: migration 22 analyzed the table while it was empty, which leaves none
        // (and 0 tuples on 0 pages, which the planner treats as never counted).
        #expect(try connection.count("""
            SELECT count(*) AS n FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'execution_tasks'
            """) == 0)
        #expect(try connection.count("""
            SELECT count(*) AS n FROM pg_class WHERE oid = 'execution_tasks'::regclass AND relpages = 0 AND reltuples <= 0
            """) == 1)
        try queue.prepareSessionForClaims()

        let claim = TaskQueue.claimQuery(limit: 500, routerID: "planner", lease: .seconds(10))
        let claimPlan = try plan(of: claim, on: connection)
        #expect(nestedLoopsWithABatchInside(claimPlan).isEmpty, "\(claimPlan)")
        // The claim walks the claimable index in order and stops at the limit.
        #expect(claimPlan.contains("idx_execution_tasks_claimable"), "\(claimPlan)")

        // The accounts lookup for a batch of EXITs: from each task to its ENTRY and its acceptances.
        let exits: [TaskID] = try connection.execute("SELECT id FROM execution_tasks WHERE event_type = 'EXIT' ORDER BY id LIMIT 500")
            .rows.map { try $0.decode("id") }
        let lookupPlan = try plan(of: TaskQueue.acceptedAccountsQuery(exits, attemptedBefore: exits.map { _ in false }), on: connection)
        #expect(nestedLoopsWithABatchInside(lookupPlan).isEmpty, "\(lookupPlan)")
        #expect(lookupPlan.contains("execution_tasks_pkey"), "\(lookupPlan)")
        // For a batch of ENTRYs, retries among them: each one's trade's later EXIT that ran, by
        // the trade index, never a scan of the trade's or the table's tasks; and each EXIT's
        // acceptances by a probe, never a hashed subplan that reads every acceptance (here
        // the acceptances of half the ENTRYs, as in the middle of a drain).
        try connection.execute("""
            INSERT INTO execution_logs (task_id, status, event, account, response_body)
            SELECT id, 'SUCCESS', 'ATTEMPT', 'acct', 'accepted' FROM execution_tasks WHERE event_type = 'ENTRY' AND id % 4 = 1
            """)
        let entries: [TaskID] = try connection.execute("SELECT id FROM execution_tasks WHERE event_type = 'ENTRY' ORDER BY id LIMIT 500")
            .rows.map { try $0.decode("id") }
        let entryPlan = try plan(of: TaskQueue.acceptedAccountsQuery(entries, attemptedBefore: entries.map { $0.rawValue % 2 == 0 }),
                                 on: connection)
        #expect(nestedLoopsWithABatchInside(entryPlan).isEmpty, "\(entryPlan)")
        #expect(entryPlan.contains("idx_execution_tasks_trade"), "\(entryPlan)")
        #expect(!entryPlan.contains("Seq Scan") && !entryPlan.contains("hashed"), "\(entryPlan)")

        let running = try connection.execute("SELECT id, attempts FROM execution_tasks WHERE locked_by = 'a' ORDER BY id LIMIT 500").rows
        let ids: [TaskID] = try running.map { try $0.decode("id") }
        let attempts: [Int] = try running.map { try $0.decode("attempts") }
        let rows = Self.successRows(ids, attempts: attempts)
        let completionPlan = try plan(of: TaskQueue.completionQuery(rows, routerID: "a"), on: connection)
        #expect(nestedLoopsWithABatchInside(completionPlan).isEmpty, "\(completionPlan)")
        // The completion finds its tasks by primary key, not by a scan of what is RUNNING.
        #expect(completionPlan.contains("execution_tasks_pkey"), "\(completionPlan)")
    }

    @Test func aClaimAfterStatisticsTakenMidDrainStillWalksTheClaimableIndex() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try connection.execute("ALTER TABLE execution_tasks SET (autovacuum_enabled = false)")
        let queue = TaskQueue(connection: connection)
        for chunk in 0..<5 { try queue.enqueue(DemoTraffic.trades(count: 2000, firstNumber: chunk * 2000)) }
        // Autoanalyze looks in the middle of a drain (60 % done, 1 % in flight), the drain ends...
        try connection.execute("UPDATE execution_tasks SET status = 'SUCCESS', attempts = 1 WHERE id <= 12000")
        try connection.execute("UPDATE execution_tasks SET status = 'RUNNING', attempts = 1 WHERE id BETWEEN 12001 AND 12200")
        try connection.execute("ANALYZE execution_tasks")
        try connection.execute("UPDATE execution_tasks SET status = 'SUCCESS', attempts = 1")
        // ...and a burst as large comes that the statistics know nothing about.
        for chunk in 0..<5 { try queue.enqueue(DemoTraffic.trades(count: 2000, firstNumber: 10_000 + chunk * 2000)) }
        try queue.prepareSessionForClaims()
        let claimPlan = try plan(of: TaskQueue.claimQuery(limit: 1000, routerID: "planner", lease: .seconds(10)), on: connection)
        // The claimable index in order, stopping at the limit: no read and sort of every eligible task.
        #expect(claimPlan.contains("idx_execution_tasks_claimable"), "\(claimPlan)")
        #expect(!claimPlan.contains("\"Sort Key\": [\"c.available_at\""), "\(claimPlan)")
    }

    /// A router connected as a role that is neither the owner nor a superuser goes through the
    /// row-level security policies of migration 12 ("not a per-account observer"): an
    /// uncorrelated lookup planned once, which must not change how its statements find rows.
    @Test func theHotStatementsKeepTheirPlansForARouterRoleUnderRowLevelSecurity() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let queue = TaskQueue(connection: connection)
        try queue.enqueue(DemoTraffic.trades(count: 2000))
        _ = try queue.claim(limit: 500, routerID: "a", lease: .seconds(60))
        let role = "router_" + schema.name
        try connection.execute(Query("CREATE ROLE \(role)", parameters: []))
        defer {
            _ = try? connection.execute("RESET ROLE")
            _ = try? connection.execute(Query("DROP OWNED BY \(role)", parameters: []))
            _ = try? connection.execute(Query("DROP ROLE \(role)", parameters: []))
        }
        try connection.execute(Query("GRANT USAGE ON SCHEMA \(schema.name) TO \(role)", parameters: []))
        try connection.execute(Query("GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA \(schema.name) TO \(role)",
                                     parameters: []))
        try connection.execute(Query("GRANT USAGE ON ALL SEQUENCES IN SCHEMA \(schema.name) TO \(role)", parameters: []))
        try connection.execute(Query("SET ROLE \(role)", parameters: []))
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE row_security_active('execution_tasks')") > 0)
        try queue.prepareSessionForClaims()

        let claimPlan = try plan(of: TaskQueue.claimQuery(limit: 500, routerID: "planner", lease: .seconds(10)), on: connection)
        #expect(claimPlan.contains("idx_execution_tasks_claimable"), "\(claimPlan)")
        #expect(nestedLoopsWithABatchInside(claimPlan).isEmpty, "\(claimPlan)")
        let running = try connection.execute("SELECT id, attempts FROM execution_tasks WHERE locked_by = 'a' ORDER BY id LIMIT 500").rows
        let ids: [TaskID] = try running.map { try $0.decode("id") }
        let attempts: [Int] = try running.map { try $0.decode("attempts") }
        let rows = Self.successRows(ids, attempts: attempts)
        let completionPlan = try plan(of: TaskQueue.completionQuery(rows, routerID: "a"), on: connection)
        #expect(completionPlan.contains("execution_tasks_pkey"), "\(completionPlan)")
        #expect(nestedLoopsWithABatchInside(completionPlan).isEmpty, "\(completionPlan)")
        // And the write-back works under the policies: statuses, audit rows and the account figures.
        let claimed = try queue.claim(limit: 20, routerID: "b", lease: .seconds(60))
        let outcomes = claimed.map { task in
            TaskOutcome(taskID: task.id, result: .succeeded, logs: [
                AttemptLog(taskID: task.id, account: "acct", status: .success, responseCode: 200, message: "ok",
                           durationMilliseconds: 3, contracts: 1)])
        }
        let report = try TaskCompleter(routerID: "b").runOnce(outcomes, of: claimed, on: connection)
        #expect(report.succeeded.count == claimed.count && !claimed.isEmpty)
        #expect(try connection.count("SELECT sum(accepted)::int AS n FROM switchyard_account_minutes WHERE account = 'acct'") == claimed.count)
    }

    /// A write-back of `ids`, each accepted by one account.
    static func successRows(_ ids: [TaskID], attempts: [Int]) -> TaskQueue.CompletionRows {
        TaskQueue.CompletionRows(
            taskIDs: ids, attempts: attempts, statuses: ids.map { _ in "SUCCESS" }, errors: ids.map { _ in nil },
            delays: ids.map { _ in nil }, logTaskIDs: ids, logStatuses: ids.map { _ in "SUCCESS" },
            logCodes: ids.map { _ in 200 }, logMessages: ids.map { _ in "accepted" }, logAccounts: ids.map { _ in "acct" },
            logDurations: ids.map { _ in 0 }, logContracts: ids.map { _ in 1 })
    }

    /// The plan of `query` for its values (not run), as JSON text.
    func plan(of query: Query, on connection: PGConnection) throws -> String {
        let explain = Query("EXPLAIN (FORMAT JSON) " + query.sql, parameters: query.parameters)
        return try connection.execute(explain).rows.compactMap { $0["QUERY PLAN"] }.joined()
    }

    /// Nested loops whose inner side is not an index lookup: a scan of a batch (a function
    /// scan of the unnest, a CTE, a subquery, a materialised set) repeated for every outer row.
    /// A Memoize in front of an index probe: each outer row still costs one probe at most (the
    /// planner adds one when a row-level security policy makes the probed rows' check look dear).
    func isCachedIndexProbe(_ node: [String: ParsedJSON]) -> Bool {
        guard case .string("Memoize")? = node["Node Type"], case .array(let children)? = node["Plans"], children.count == 1,
              case .object(let child) = children[0], case .string(let type)? = child["Node Type"] else { return false }
        return ["Index Scan", "Index Only Scan"].contains(type)
    }

    func nestedLoopsWithABatchInside(_ json: String) -> [String] {
        guard let parsed = try? ParsedJSON.parse(json) else { return ["unparsable plan"] }
        var found: [String] = []
        func visit(_ node: ParsedJSON) {
            switch node {
            case .array(let items):
                items.forEach(visit)
            case .object(let fields):
                if case .string("Nested Loop")? = fields["Node Type"], case .array(let children)? = fields["Plans"] {
                    for child in children {
                        guard case .object(let inner) = child, case .string("Inner")? = inner["Parent Relationship"],
                              case .string(let type)? = inner["Node Type"] else { continue }
                        if ["Index Scan", "Index Only Scan", "Result"].contains(type) || isCachedIndexProbe(inner) { continue }
                        found.append(type)
                    }
                }
                fields.values.forEach(visit)
            default:
                break
            }
        }
        visit(parsed)
        return found
    }
}
