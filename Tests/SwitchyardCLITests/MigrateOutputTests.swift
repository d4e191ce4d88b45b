import Foundation
import SwitchyardEngine
import Testing

/// What `switchyard migrate up` tells an operator while it works (docs/operations.md,
/// "Migrating a live database").
@Suite(.database) struct MigrateOutputTests {
    /// A new, empty schema; the environment that points `switchyard` at it.
    func emptySchema() throws -> (name: String, url: String, environment: [String: String]) {
        let base = try #require(CLISchema.url, "No test database: run `make test`.")
        let name = "cli_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        try PGConnection(settings: ConnectionSettings(conninfo: base)).execute(Query("CREATE SCHEMA \(name)", parameters: []))
        let url = base + (base.contains("?") ? "&" : "?") + "options=-c%20search_path%3D" + name
        return (name, url, CLI.noDatabase.merging(["DATABASE_URL": url]) { $1 })
    }

    @Test func upSaysWhatItDoesAsItGoesAndTheOutcomeLast() throws {
        let schema = try emptySchema()
        let migrated = try CLI.run(["migrate", "up"], environment: schema.environment)
        #expect(migrated.status == 0)
        let lines = migrated.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "Migration 1 (adopt_seed_tables)...")
        #expect(lines.contains("Migration 6, backfill attempt minutes: done, 0 rows written."))
        #expect(lines.contains("Migration 13 applied."))
        let versions = Migrator().migrations.map { String($0.version) }.joined(separator: ", ")
        #expect(lines.last == "Applied \(versions); schema is at version \(Migrator().latestVersion).")
    }

    @Test func aLockNotGrantedInTimeIsRetriedAndSaidSo() throws {
        let schema = try emptySchema()
        try Migrator(migrations: Migrator().migrations.filter { $0.version <= 12 })
            .up(on: PGConnection(settings: ConnectionSettings(conninfo: schema.url)), actor: "test")
        // A report reads execution_tasks for 1.5 s: migration 13's ALTER TABLE cannot have its lock.
        let holding = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        Thread {
            defer { done.signal() }
            guard let report = try? PGConnection(settings: ConnectionSettings(conninfo: schema.url)) else {
                holding.signal()
                return
            }
            _ = try? report.execute("BEGIN")
            _ = try? report.execute("SELECT count(*) FROM execution_tasks")
            holding.signal()
            Thread.sleep(forTimeInterval: 1.5)
            _ = try? report.execute("COMMIT")
        }.start()
        holding.wait()
        let migrated = try CLI.run(["migrate", "up"], environment: schema.environment)
        done.wait()
        #expect(migrated.status == 0)
        #expect(migrated.output.contains("""
            Migration 13, step 1: no lock within 300ms (another transaction holds the table); \
            rolled back, trying again in 500ms (try 2 of 30).
            """), "\(migrated.output)")
        let versions = Migrator().migrations.map(\.version).filter { $0 >= 13 }.map(String.init).joined(separator: ", ")
        #expect(migrated.output.hasSuffix("Applied \(versions); schema is at version \(Migrator().latestVersion).\n"))
    }
}
