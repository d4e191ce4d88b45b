import Foundation
import SwitchyardResources
import Testing
@testable import SwitchyardEngine

/// Migrations on a live database: a writer doing what the seed system and the routers do (three
/// statements every 20 ms) never waits a second behind a migration's lock. The size is about the
/// smallest at which the migrations as released (one transaction each, plain CREATE INDEX,
/// backfills inside) kept that writer waiting for seconds, on two busy cores (2026-12-07): adopting
/// a seed database 1.8 s at 200,000 tasks, 2.2-2.4 s at 250,000; from schema 10 to the latest
/// 1.9 s at 200,000, 5.7 s at 250,000 (the whole migration). Rewritten, at 250,000: 0.37 s and
/// 0.40 s. docs/performance.md has the figures at ten million.
@Suite(.database, .serialized) struct MigrationUnderWriterTests {
    static let tasks = 250_000

    @Test func adoptingALiveSeedDatabaseNeverHoldsAWriterForASecond() throws {
        let schema = try TestDatabase.makeSchema()
        let connection = try schema.connect()
        try MigrationFixtures.seedDatabase(connection, tasks: Self.tasks)
        let (longest, statements) = try migrateBesideWriter(schema, connection)
        #expect(longest < .seconds(1), "the writer waited \(longest) in \(statements) statements")
        #expect(statements > 30)
        #expect(try Migrator().currentVersion(on: connection) == Migrator().latestVersion)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks") >= Self.tasks)
    }

    @Test func upgradingALiveDatabaseFromSchema10NeverHoldsAWriterForASecond() throws {
        let schema = try TestDatabase.makeSchema()
        let connection = try schema.connect()
        try MigrationFixtures.routedDatabase(connection, at: 10, tasks: Self.tasks)
        let (longest, statements) = try migrateBesideWriter(schema, connection)
        #expect(longest < .seconds(1), "the writer waited \(longest) in \(statements) statements")
        #expect(statements > 30)
        // The backfills counted what was there before: every position opened and not closed.
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_open_positions") > 0)
        #expect(try connection.count("SELECT coalesce(sum(open), 0) AS n FROM switchyard_account_positions")
                == connection.count("SELECT count(*) AS n FROM switchyard_open_positions"))
    }

    /// Runs `migrate up` while a live writer writes; returns the writer's longest statement.
    private func migrateBesideWriter(_ schema: TestSchema, _ connection: PGConnection) throws -> (Duration, Int) {
        let writer = LiveWriter(schema)
        Thread.sleep(forTimeInterval: 0.2)
        do {
            try Migrator().up(on: connection, actor: "test")
        } catch {
            _ = try? writer.stop()
            throw error
        }
        Thread.sleep(forTimeInterval: 0.2)
        let result = try writer.stop()
        return (result.longest, result.statements)
    }
}
