import Foundation
import SwitchyardResources
@testable import SwitchyardEngine

/// What the seed system and the routers do while a migration runs: every 20 ms insert a task,
/// update the one before, and write an audit row, each statement on its own. It records the
/// longest any statement took (a wait behind a migration's lock shows as a long statement).
final class LiveWriter: @unchecked Sendable {  // state behind `lock`; the thread owns its connection
    private let lock = Lock()
    private var stopping = false
    private var longest: Duration = .zero
    private var statements = 0
    private var failure: (any Error)?
    private let finished = DispatchSemaphore(value: 0)

    /// Starts writing to `schema` on a thread of its own.
    init(_ schema: TestSchema) {
        Thread { [self] in
            defer { finished.signal() }
            do {
                let connection = try schema.connect()
                var previous: Int?
                while !lock.withLock({ stopping }) {
                    let started = ContinuousClock.now
                    let id: Int = try timed {
                        try connection.execute("""
                            INSERT INTO execution_tasks (trade_id, event_type, payload)
                            VALUES ('LIVE', 'ENTRY', '{"kind":"ENTRY","direction":"LONG","entry_price":4156.25,"stop_loss":4150}')
                            RETURNING id
                            """).first!.decode("id")
                    }
                    if let previous {
                        try timed { try connection.execute("UPDATE execution_tasks SET status = 'SUCCESS', updated_at = now() WHERE id = \(previous)") }
                        try timed {
                            try connection.execute("""
                                INSERT INTO execution_logs (task_id, status, response_code, response_body)
                                VALUES (\(previous), 'SUCCESS', 200, 'accepted')
                                """)
                        }
                    }
                    previous = id
                    sleepThread(for: .milliseconds(20) - (ContinuousClock.now - started))
                }
            } catch {
                lock.withLock { failure = error }
            }
        }.start()
    }

    @discardableResult
    private func timed<T>(_ body: () throws -> T) throws -> T {
        let started = ContinuousClock.now
        let value = try body()
        let took = ContinuousClock.now - started
        lock.withLock {
            longest = max(longest, took)
            statements += 1
        }
        return value
    }

    /// Stops the writer; returns its longest statement and how many it ran, or its error.
    func stop() throws -> (longest: Duration, statements: Int) {
        lock.withLock { stopping = true }
        finished.wait()
        return try lock.withLock {
            if let failure { throw failure }
            return (longest, statements)
        }
    }
}

/// Databases of many rows for the migration tests, filled by generate_series in SQL.
enum MigrationFixtures {
    /// The seed system's tables with `tasks` tasks and three audit rows each, created over the
    /// last three hours, as the seed system writes them (no Switchyard column).
    static func seedDatabase(_ connection: PGConnection, tasks: Int) throws {
        try connection.executeScript(TestDatabase.seedDDL, name: "seed")
        // Loaded without the seed system's two indexes and foreign key, which are built and
        // checked after the load (a check per row is most of a load's time).
        try connection.executeScript("""
            DROP INDEX idx_execution_tasks_status_created;
            DROP INDEX idx_execution_logs_task_id;
            ALTER TABLE execution_logs DROP CONSTRAINT execution_logs_task_id_fkey;
            INSERT INTO execution_tasks (trade_id, event_type, status, attempts, payload, last_attempt_at, created_at)
            SELECT 'T-' || (i + 1) / 2, CASE WHEN i % 2 = 1 THEN 'ENTRY' ELSE 'EXIT' END,
                   CASE WHEN i > \(tasks) - 50 THEN 'PENDING' WHEN i % 53 = 0 THEN 'FAILED' ELSE 'SUCCESS' END, 1,
                   '{"kind":"ENTRY","direction":"LONG","entry_price":4156.25,"stop_loss":4150}', c, c
            FROM generate_series(1, \(tasks)) AS i,
                 LATERAL (SELECT localtimestamp - interval '3 hours' + interval '3 hours' * (i::float8 / \(tasks)) AS c) AS t;
            INSERT INTO execution_logs (task_id, status, response_code, response_body, created_at)
            SELECT (j + 2) / 3, CASE WHEN j % 41 = 0 THEN 'FAILED' ELSE 'SUCCESS' END, 200, 'accepted: order ' || j,
                   localtimestamp - interval '3 hours' + interval '3 hours' * (j::float8 / \(3 * tasks))
            FROM generate_series(1, \(3 * tasks)) AS j;
            CREATE INDEX idx_execution_tasks_status_created ON execution_tasks (status, created_at);
            CREATE INDEX idx_execution_logs_task_id ON execution_logs (task_id);
            ALTER TABLE execution_logs ADD CONSTRAINT execution_logs_task_id_fkey
                FOREIGN KEY (task_id) REFERENCES execution_tasks (id) ON DELETE CASCADE;
            ANALYZE execution_tasks;
            ANALYZE execution_logs;
            """, name: "fillSeed")
    }

    /// A database at `version` whose audit rows carry accounts, ENTRY and EXIT acceptances and
    /// sizes (what a router wrote), `tasks` tasks with three audit rows each over the `hours` before
    /// `end` (SQL).
    static func routedDatabase(_ connection: PGConnection, at version: Int, tasks: Int, hours: Int = 3,
                               endingAt end: String = "localtimestamp",
                               migrations: [EmbeddedMigration] = SwitchyardResources.migrations) throws {
        try Migrator(migrations: migrations.filter { $0.version <= version }).up(on: connection, actor: "test")
        try connection.executeScript("""
            ALTER TABLE execution_logs DISABLE TRIGGER USER;
            ALTER TABLE execution_logs DROP CONSTRAINT execution_logs_task_id_fkey;
            INSERT INTO execution_tasks (trade_id, event_type, status, attempts, payload, created_at, finished_at)
            SELECT 'T-' || (i + 1) / 2, CASE WHEN i % 2 = 1 THEN 'ENTRY' ELSE 'EXIT' END,
                   CASE WHEN i > \(tasks) - 50 THEN 'PENDING' ELSE 'SUCCESS' END, 1,
                   jsonb_build_object('kind', 'ENTRY', 'direction', CASE WHEN i % 4 = 1 THEN 'LONG' ELSE 'SHORT' END,
                                      'entry_price', 4000 + i % 800, 'stop_loss', 3990),
                   c, now()
            FROM generate_series(1, \(tasks)) AS i,
                 LATERAL (SELECT \(end) - interval '\(hours) hours' + interval '\(hours) hours' * (i::float8 / \(tasks)) AS c) AS t;
            INSERT INTO execution_logs (task_id, status, response_code, response_body, created_at, event, account, duration_ms)
            SELECT task, CASE WHEN j % 3 = 0 OR task % 7 = 0 THEN 'SUCCESS' ELSE 'FAILED' END, 200,
                   'BUY ' || 1 + j % 4 || ' contracts at 4000', c, 'ATTEMPT', 'acct-' || (task + 1) / 2 % 5 + j % 3, 20 + j % 50
            FROM generate_series(1, \(3 * tasks)) AS j,
                 LATERAL (SELECT (j + 2) / 3 AS task,
                                 \(end) - interval '\(hours) hours' + interval '\(hours) hours' * (j::float8 / \(3 * tasks)) AS c) AS t
            WHERE task <= \(tasks) - 50;
            ALTER TABLE execution_logs ENABLE TRIGGER USER;
            ALTER TABLE execution_logs ADD CONSTRAINT execution_logs_task_id_fkey
                FOREIGN KEY (task_id) REFERENCES execution_tasks (id) ON DELETE CASCADE;
            ANALYZE execution_tasks;
            ANALYZE execution_logs;
            """, name: "fillRouted")
    }

    /// The released texts of the migrations rewritten to run online (as a database that applied
    /// them before holds them), from Released/ beside this file.
    static func releasedMigrations() throws -> [EmbeddedMigration] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Released")
        return try SwitchyardResources.migrations.map { migration in
            let file = folder.appendingPathComponent(String(format: "%04d_%@.up.sql", migration.version, migration.name))
            guard FileManager.default.fileExists(atPath: file.path) else { return migration }
            return EmbeddedMigration(version: migration.version, name: migration.name,
                                     up: try String(contentsOf: file, encoding: .utf8), down: migration.down)
        }
    }
}
