import Foundation
import SwitchyardResources
import Testing
@testable import SwitchyardEngine

/// The Migrator's online steps: a backfill stopped midway resumes, an interrupted concurrent
/// index build is redone, a step behind a long transaction gives up its lock and tries again,
/// and databases migrated by the released texts migrate on.
@Suite(.database) struct MigratorOnlineTests {
    /// The derived tables the backfills fill, summed over shards, as text to compare.
    static let figures: Query = """
        SELECT (SELECT string_agg(minute || ' ' || s || ' ' || f, ',' ORDER BY minute)
                FROM (SELECT minute, sum(succeeded) AS s, sum(failed) AS f FROM switchyard_attempt_minutes GROUP BY 1) x) AS attempts,
               (SELECT string_agg(minute || ' ' || account || ' ' || a || ' ' || r || ' ' || l || ' ' || c, ',' ORDER BY minute, account)
                FROM (SELECT minute, account, sum(accepted) AS a, sum(refused) AS r, sum(latency_ms_sum) AS l, sum(latency_count) AS c
                      FROM switchyard_account_minutes GROUP BY 1, 2) x) AS accounts,
               (SELECT string_agg(p::text, ',' ORDER BY account, trade_id, entry_task_id) FROM switchyard_open_positions p) AS positions,
               (SELECT string_agg(account || ' ' || o, ',' ORDER BY account)
                FROM (SELECT account, sum(open) AS o FROM switchyard_account_positions GROUP BY 1) x) AS open,
               (SELECT md5(string_agg(id || ' ' || coalesce(routed_accounts::text, 'NULL'), ',' ORDER BY id))
                FROM execution_tasks WHERE routed_accounts <> '{}') AS routed
        """

    /// The versions this build knows that `include` picks, in order.
    static func versions(_ include: (Int) -> Bool) -> [Int] {
        SwitchyardResources.migrations.map(\.version).filter(include)
    }

    @Test func aBackfillStoppedMidwayResumesAndEndsAsAnUninterruptedOne() throws {
        let migrator = Migrator(batchKeys: 500)
        let straight = try TestDatabase.makeSchema(), stopped = try TestDatabase.makeSchema()
        let now: String = try straight.connect().execute("SELECT localtimestamp::text AS t").first!.decode("t")
        for schema in [straight, stopped] {
            try MigrationFixtures.routedDatabase(schema.connect(), at: 5, tasks: 20_000, hours: 1, endingAt: "'\(now)'::timestamp")
        }
        try migrator.up(on: straight.connect(), actor: "test")

        // The session migrating `stopped` is ended by the server once the open-positions backfill
        // has done some batches, as when `migrate` is killed.
        let connection = try stopped.connect()
        let pid = connection.backendPID
        let killed = DispatchSemaphore(value: 0)
        Thread {
            defer { killed.signal() }
            guard let watcher = try? stopped.connect() else { return }
            let deadline = Date().addingTimeInterval(60)
            while (try? watcher.count("""
                SELECT count(*) AS n FROM switchyard_migration_steps
                WHERE label = 'open positions' AND next_key > first_key + 1000 AND finished_at IS NULL
                """)) == 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.002) }
            _ = try? watcher.execute("SELECT pg_terminate_backend(\(pid))")
        }.start()
        #expect(throws: DatabaseError.self) { try migrator.up(on: connection, actor: "test") }
        killed.wait()

        let status = try migrator.status(on: stopped.connect()).first { $0.version == 11 }
        let progress = try #require(status?.inProgress?.backfill)
        #expect(status?.isApplied == false && status?.inProgress?.running == false)
        #expect(progress.label == "open positions" && progress.doneKeys > 0 && progress.doneKeys < progress.totalKeys)
        let shown = try Executable.run(["migrate", "status"], environment: stopped.processEnvironment)
        #expect(shown.stdout.contains("IN PROGRESS, step 3 of 4: backfill open positions, "), "\(shown.stdout)")
        #expect(shown.stdout.contains("(stopped: run migrate up to continue)"))
        // While a `migrate` holds the migration lock, status says one is running.
        let other = try stopped.connect()
        try other.execute(Query("SELECT pg_advisory_lock(\(MigrationLock.key))", parameters: []))
        #expect(try migrator.status(on: stopped.connect()).first { $0.version == 11 }?.inProgress?.running == true)
        MigrationLock.release(other)

        var events: [MigrationEvent] = []
        let applied = try migrator.up(on: stopped.connect(), actor: "test") { events.append($0) }
        #expect(applied == migrator.migrations.map(\.version).filter { $0 >= 11 })
        #expect(events.first == .migrating(version: 11, name: "account_figures", resumed: true))
        let expected = try straight.connect().execute(Self.figures).first!
        let resumed = try stopped.connect().execute(Self.figures).first!
        for column in ["attempts", "accounts", "positions", "open", "routed"] {
            #expect(resumed[column] == expected[column], "\(column)")
            #expect(resumed[column] != nil, "\(column) is empty: the fixture counts nothing")
        }
    }

    /// A backfill's `from` query runs before the step whose transaction records its range, so
    /// no writer waits behind that step's locks while it reads (at 30 million audit rows one
    /// such query took 49 s). Here the query reports whether it ran holding the step's lock.
    @Test func aBackfillsLowerBoundIsReadOutsideTheLocksOfTheStepBeforeIt() throws {
        let schema = try TestDatabase.makeSchema()
        let connection = try schema.connect()
        let sample = EmbeddedMigration(version: 2, name: "sample_bound", up: """
            --@ transaction
            LOCK TABLE execution_tasks IN SHARE ROW EXCLUSIVE MODE;
            CREATE TABLE sample_bound (id integer PRIMARY KEY);
            --@ backfill sample bound over execution_tasks.id from SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND relation = 'execution_tasks'::regclass AND mode = 'ShareRowExclusiveLock'
            INSERT INTO sample_bound SELECT id FROM execution_tasks WHERE id > $1 AND id <= $2;
            """, down: "DROP TABLE IF EXISTS sample_bound;")
        let first = SwitchyardResources.migrations.filter { $0.version == 1 }
        try Migrator(migrations: first).up(on: connection, actor: "test")
        try connection.execute("INSERT INTO execution_tasks (trade_id, event_type) SELECT 'T-' || i, 'ENTRY' FROM generate_series(1, 5) i")
        try Migrator(migrations: first + [sample]).up(on: connection, actor: "test")
        // Read under the lock, the bound would be 1 and task 1 left out.
        #expect(try connection.count("SELECT first_key::int AS n FROM switchyard_migration_steps WHERE version = 2 AND step = 2") == 0)
        #expect(try connection.count("SELECT count(*) AS n FROM sample_bound") == 5)
    }

    @Test func anIndexAnInterruptedConcurrentBuildLeftInvalidIsBuiltAgain() throws {
        let schema = try TestDatabase.makeSchema()
        try Migrator(migrations: SwitchyardResources.migrations.filter { $0.version <= 4 }).up(on: schema.connect(), actor: "test")
        // A build waits for a writer's open transaction; cancelled there, it leaves the index INVALID.
        let writer = try schema.connect()
        try writer.execute("BEGIN")
        try writer.execute("INSERT INTO execution_tasks (trade_id, event_type) VALUES ('T-1', 'ENTRY')")
        let statement = "CREATE INDEX CONCURRENTLY idx_execution_tasks_status_id ON execution_tasks (status, id) -- \(schema.name)"
        let built = DispatchSemaphore(value: 0)
        let failed = Lock(), failures = Box(false)
        Thread {
            defer { built.signal() }
            do { try schema.connect().executeScript(statement, name: "build") } catch { failed.withLock { failures.value = true } }
        }.start()
        let admin = try schema.connect()
        let waiting: Query = "SELECT count(*) AS n FROM pg_stat_activity WHERE query = \(statement) AND wait_event_type = 'Lock'"
        try admin.waitForAny(waiting)
        #expect(try admin.count(waiting) == 1)
        try admin.execute("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query = \(statement)")
        built.wait()
        #expect(failed.withLock { failures.value }, "the build was not cancelled")
        try writer.execute("COMMIT")
        let validity: Query = "SELECT count(*) AS n FROM pg_index WHERE indexrelid = to_regclass('idx_execution_tasks_status_id') AND indisvalid"
        #expect(try admin.count(validity) == 0)

        var events: [MigrationEvent] = []
        try Migrator().up(on: admin, actor: "test") { events.append($0) }
        #expect(events.contains(.rebuildingInvalidIndex(version: 5, index: "idx_execution_tasks_status_id")))
        #expect(try admin.count(validity) == 1)
    }

    @Test func aStepBehindALongTransactionGivesUpItsLockAndTriesAgain() throws {
        let schema = try TestDatabase.makeSchema()
        let connection = try schema.connect()
        try Migrator(migrations: SwitchyardResources.migrations.filter { $0.version <= 12 }).up(on: connection, actor: "test")
        // A report holds execution_tasks; migration 13's ALTER TABLE waits for it, and writers
        // would queue behind that wait. It gives up after 100 ms, twice, then the report ends.
        let report = try schema.connect()
        try report.execute("BEGIN")
        try report.execute("SELECT count(*) FROM execution_tasks")
        let writer = LiveWriter(schema)
        var timeouts: [MigrationEvent] = []
        let upTo13 = SwitchyardResources.migrations.filter { $0.version <= 13 }
        let migrator = Migrator(migrations: upTo13, lockTimeout: .milliseconds(100), firstRetryDelay: .milliseconds(200))
        let applied = try migrator.up(on: connection, actor: "test") { event in
            guard case .lockTimedOut = event else { return }
            timeouts.append(event)
            if timeouts.count == 2 { _ = try? report.execute("COMMIT") }
        }
        let (longest, statements) = try writer.stop()
        #expect(applied == [13])
        #expect(timeouts == [
            .lockTimedOut(version: 13, step: 1, waited: .milliseconds(100), retryIn: .milliseconds(200), attempt: 1, of: 30),
            .lockTimedOut(version: 13, step: 1, waited: .milliseconds(100), retryIn: .milliseconds(400), attempt: 2, of: 30),
        ])
        #expect(longest < .seconds(1) && statements > 0, "the writer waited \(longest)")

        // A lock that never frees: up gives up with what to do, and applies nothing.
        try migrator.down(to: 12, on: connection)
        try report.execute("BEGIN")
        try report.execute("SELECT count(*) FROM execution_tasks")
        defer { _ = try? report.execute("ROLLBACK") }
        let impatient = Migrator(migrations: upTo13, lockTimeout: .milliseconds(50), lockAttempts: 3, firstRetryDelay: .milliseconds(10))
        let error = try #require(throws: DatabaseError.self) { try impatient.up(on: connection, actor: "test") }
        #expect(error.message == "Migration 13 could not take its locks within 50ms in 3 tries: another transaction keeps the table busy.")
        #expect(try impatient.currentVersion(on: connection) == 12)
    }

    @Test func databasesMigratedByTheReleasedTextsMigrateOnWithTheSameSchema() throws {
        let released = try MigrationFixtures.releasedMigrations()
        let current = Dictionary(uniqueKeysWithValues: SwitchyardResources.migrations.map { ($0.version, $0) })
        let rewritten = released.filter { $0.up != current[$0.version]?.up }
        #expect(rewritten.map(\.version) == [1, 2, 5, 6, 8, 9, 10, 11, 13])
        let fresh = try TestDatabase.makeSchema()
        try Migrator().up(on: fresh.connect(), actor: "test")
        for migration in rewritten {
            let sum: String = try fresh.connect().execute("SELECT encode(sha256(convert_to(\(migration.up), 'UTF8')), 'hex') AS s")
                .first!.decode("s")
            #expect(current[migration.version]?.earlierChecksums == [sum], "migration \(migration.version)")
        }

        // Up to 10 by the released texts (as a database that has run for months), then this build.
        let upgraded = try TestDatabase.makeSchema()
        try Migrator(migrations: released.filter { $0.version <= 10 }).up(on: upgraded.connect(), actor: "old")
        #expect(try Migrator().up(on: upgraded.connect(), actor: "new") == Self.versions { $0 >= 11 })
        // Everything by the released texts: only the migrations written since are left, and no
        // checksum error.
        let old = try TestDatabase.makeSchema()
        try Migrator(migrations: released).up(on: old.connect(), actor: "old")
        let newest = released.map(\.version).max() ?? 0
        #expect(try Migrator().up(on: old.connect(), actor: "new") == Self.versions { $0 > newest })

        for schema in [upgraded, old] {
            let statuses = try Migrator().status(on: schema.connect())
            #expect(statuses.allSatisfy { $0.isApplied && $0.checksumMatches })
            let fromEarlier = statuses.filter(\.appliedFromEarlierText).map(\.version)
            #expect(fromEarlier == rewritten.map(\.version).filter { schema.name == old.name || $0 <= 10 })
            #expect(try catalog(schema) == catalog(fresh))
        }
        let shown = try Executable.run(["migrate", "status"], environment: old.processEnvironment)
        #expect(shown.stdout.contains("(from the text before it ran online; same schema)"), "\(shown.stdout)")
    }

    /// Columns, indexes, triggers, functions, policies and storage settings of a schema, as text.
    private func catalog(_ schema: TestSchema) throws -> [String?] {
        let row = try schema.connect().execute("""
            SELECT (SELECT string_agg(table_name || '.' || column_name || ' ' || data_type || ' ' || coalesce(column_default, '')
                                      || ' ' || is_nullable, ',' ORDER BY table_name, column_name)
                    FROM information_schema.columns WHERE table_schema = current_schema()) AS columns,
                   (SELECT string_agg(replace(indexdef, current_schema() || '.', ''), ',' ORDER BY indexname)
                    FROM pg_indexes WHERE schemaname = current_schema()) AS indexes,
                   (SELECT string_agg(t.tgname || ' ' || c.relname || ' ' || t.tgenabled::text, ',' ORDER BY t.tgname, c.relname)
                    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                    WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal) AS triggers,
                   (SELECT string_agg(proname || ' ' || md5(prosrc), ',' ORDER BY proname)
                    FROM pg_proc WHERE pronamespace = current_schema()::regnamespace) AS functions,
                   (SELECT string_agg(tablename || ' ' || policyname, ',' ORDER BY tablename, policyname)
                    FROM pg_policies WHERE schemaname = current_schema()) AS policies,
                   (SELECT string_agg(relname || ' ' || coalesce(array_to_string(reloptions, ' '), '') || ' ' || relrowsecurity, ',' ORDER BY relname)
                    FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r') AS storage
            """).first!
        return ["columns", "indexes", "triggers", "functions", "policies", "storage"].map { row[$0] }
    }
}

/// A value a thread sets and the test reads, behind a `Lock`.
private final class Box<Value>: @unchecked Sendable {  // read and written under the caller's lock
    var value: Value
    init(_ value: Value) { self.value = value }
}
