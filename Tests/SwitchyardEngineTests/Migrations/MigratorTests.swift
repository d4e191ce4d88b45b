import Foundation
import SwitchyardResources
import Testing
@testable import SwitchyardEngine

@Suite(.database) struct MigratorTests {
    let migrator = Migrator()

    func count(_ table: String, _ connection: PGConnection) throws -> Int {
        try connection.execute(Query("SELECT count(*) AS n FROM \(table)", parameters: [])).first!.decode("n")
    }

    @Test func migratesAnEmptyDatabaseToTheLatestVersion() throws {
        let connection = try TestDatabase.makeSchema().connect()
        #expect(try migrator.currentVersion(on: connection) == 0)
        let applied = try migrator.up(on: connection, actor: "ops@box")
        #expect(applied == SwitchyardResources.migrations.map(\.version))
        #expect(try migrator.currentVersion(on: connection) == migrator.latestVersion)
        let statuses = try migrator.status(on: connection)
        #expect(statuses.allSatisfy { $0.isApplied && $0.checksumMatches && $0.appliedBy == "ops@box" })
    }

    @Test func runningTwiceChangesNothing() throws {
        let connection = try TestDatabase.makeSchema().connect()
        try migrator.up(on: connection, actor: "a")
        let before = try migrator.status(on: connection)
        #expect(try migrator.up(on: connection, actor: "b") == [])
        #expect(try migrator.status(on: connection) == before)
    }

    @Test func adoptsTheSeedSystemsTablesWithTheirRows() throws {
        let connection = try TestDatabase.makeSchema().connect()
        // The seed system's own start-up DDL, without IF NOT EXISTS, and rows it wrote.
        try connection.executeScript(TestDatabase.seedDDL, name: "seed")
        try connection.executeScript("""
            INSERT INTO execution_tasks (trade_id, event_type, status, attempts, last_error, payload, last_attempt_at, created_at)
            VALUES ('T-1', 'ENTRY', 'SUCCESS', 1, NULL, '{"kind":"ENTRY","direction":"LONG","entry_price":4156.25,"stop_loss":4150.00}', '2026-01-02 03:04:05', '2026-01-02 03:04:00'),
                   ('T-1', 'EXIT', 'FAILED', 3, 'broker said no', '{"kind":"EXIT","exit_type":"SL","exit_price":4150.00}', '2026-01-02 04:00:00', '2026-01-02 03:59:00'),
                   ('T-2', 'ENTRY', 'PENDING', 0, NULL, NULL, NULL, '2026-01-03 00:00:00');
            INSERT INTO execution_logs (task_id, status, response_code, response_body, created_at)
            VALUES (1, 'SUCCESS', 200, 'ok', '2026-01-02 03:04:05'), (2, 'FAILED', 500, 'broker said no', '2026-01-02 04:00:00');
            """, name: "seed")
        let snapshotQuery: Query = """
            SELECT string_agg(t::text, '|' ORDER BY t.id) AS tasks FROM
              (SELECT id, trade_id, event_type, status, attempts, last_error, payload, last_attempt_at, created_at, updated_at
               FROM execution_tasks) t
            """
        let logsQuery: Query = """
            SELECT string_agg(l::text, '|' ORDER BY l.id) AS logs FROM
              (SELECT id, task_id, status, response_code, response_body, created_at FROM execution_logs) l
            """
        let tasksBefore = try connection.execute(snapshotQuery).first!["tasks"]
        let logsBefore = try connection.execute(logsQuery).first!["logs"]

        try migrator.up(on: connection, actor: "ops@box")

        #expect(try connection.execute(snapshotQuery).first!["tasks"] == tasksBefore)
        #expect(try connection.execute(logsQuery).first!["logs"] == logsBefore)
        // The pending seed task is eligible for routers at once, with the default attempts budget.
        let pending = try connection.execute("""
            SELECT available_at <= now() AS eligible, max_attempts FROM execution_tasks WHERE trade_id = 'T-2'
            """).first!
        #expect(try pending.decode("eligible", as: Bool.self))
        #expect(try pending.decode("max_attempts", as: Int.self) == 5)
        // The seed system's attempts are counted into the per-minute table the dashboard reads.
        let minutes = try connection.execute("""
            SELECT string_agg(minute || ' ' || succeeded || ' ' || failed, '|' ORDER BY minute) AS minutes
            FROM switchyard_attempt_minutes
            """).first!["minutes"]
        #expect(minutes == "2026-01-02 03:04:00 1 0|2026-01-02 04:00:00 0 1")
    }

    @Test func twoProcessesMigratingAtOnceAreSafe() throws {
        let schema = try TestDatabase.makeSchema()
        let runs = try (0..<2).map { _ in try Executable.start(["migrate", "up"], environment: schema.processEnvironment) }
        var outputs: [String] = []
        for (process, out, err) in runs {
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(errors)")
            outputs.append(text)
        }
        // One applied everything; the other found nothing left to do.
        #expect(outputs.filter { $0.hasPrefix("Applied 1, 2, 3, 4") }.count == 1)
        #expect(outputs.filter { $0.hasPrefix("Schema is up to date") }.count == 1)
        #expect(try count("switchyard_schema_migrations", schema.connect()) == migrator.migrations.count)
    }

    @Test func downThenUpRoundTrips() throws {
        let connection = try TestDatabase.makeSchema().connect()
        try migrator.up(on: connection, actor: "a")
        try connection.execute("INSERT INTO execution_tasks (trade_id, event_type) VALUES ('T-9', 'ENTRY')")
        let aboveOne = migrator.migrations.map(\.version).filter { $0 > 1 }
        #expect(try migrator.down(to: 1, on: connection) == aboveOne.reversed())
        #expect(try migrator.currentVersion(on: connection) == 1)
        let columns = try connection.execute("""
            SELECT count(*) AS n FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = 'execution_tasks' AND column_name = 'available_at'
            """).first!.decode("n", as: Int.self)
        #expect(columns == 0)
        #expect(try migrator.up(on: connection, actor: "a") == aboveOne)
        #expect(try count("execution_tasks", connection) == 1)
        #expect(try migrator.down(to: 0, on: connection) == ([1] + aboveOne).reversed())
        // Going below version 1 never drops the seed system's tables.
        #expect(try count("execution_tasks", connection) == 1)
    }

    @Test func aChangedChecksumIsAClearErrorAndChangesNothing() throws {
        let connection = try TestDatabase.makeSchema().connect()
        try migrator.up(on: connection, actor: "a")
        try connection.execute("UPDATE switchyard_schema_migrations SET checksum = 'edited' WHERE version = 2")
        let error = try #require(throws: DatabaseError.self) { try migrator.up(on: connection, actor: "a") }
        #expect(error.message == "Migration 2 (queue_columns) was applied from a different file than this build's.")
        #expect(try migrator.status(on: connection).first { $0.version == 2 }?.checksumMatches == false)
    }

    @Test func theAuditLogRejectsUpdateDeleteAndTruncate() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        try connection.execute("INSERT INTO execution_tasks (trade_id, event_type) VALUES ('T', 'ENTRY')")
        try connection.execute("INSERT INTO execution_logs (task_id, status) SELECT id, 'SUCCESS' FROM execution_tasks")
        for statement: Query in ["UPDATE execution_logs SET status = 'FAILED'", "DELETE FROM execution_logs",
                                 "TRUNCATE execution_logs", "DELETE FROM execution_tasks"] {
            let error = try #require(throws: DatabaseError.self) { try connection.execute(statement) }
            #expect(error.sqlState == .raiseException)
            #expect(error.message.contains("append-only"))
        }
        #expect(try count("execution_logs", connection) == 1)
        #expect(try count("execution_tasks", connection) == 1)
    }
}
