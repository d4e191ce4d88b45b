import Foundation
import SwitchyardResources
import Testing
@testable import SwitchyardEngine

/// A migration that stopped midway continues only from the text its finished steps ran from:
/// the file edited in between is refused, naming the migration and what to do.
@Suite(.database) struct MigrationTextChangeTests {
    /// Version 2 after the real version 1: a table, a backfill of it, then a step that fails
    /// until `gate` exists (the run stops there, after the first two steps).
    static func migrations(backfilling note: String) -> [EmbeddedMigration] {
        let sample = EmbeddedMigration(version: 2, name: "sample_notes", up: """
            --@ transaction
            CREATE TABLE sample_notes (task_id integer PRIMARY KEY, note text NOT NULL);
            --@ backfill sample notes over execution_tasks.id
            INSERT INTO sample_notes SELECT id, '\(note)' FROM execution_tasks WHERE id > $1 AND id <= $2;
            --@ transaction
            INSERT INTO sample_notes SELECT 0, note FROM gate;
            """, down: "DROP TABLE IF EXISTS sample_notes;")
        return SwitchyardResources.migrations.filter { $0.version == 1 } + [sample]
    }

    /// The notes the backfill wrote, and the steps recorded, as text.
    static let state: Query = """
        SELECT (SELECT string_agg(note || ' ' || n, ',' ORDER BY note)
                FROM (SELECT note, count(*) AS n FROM sample_notes GROUP BY 1) x) AS notes,
               (SELECT string_agg(step || ' ' || (finished_at IS NOT NULL) || ' ' || coalesce(next_key, 0), ',' ORDER BY step)
                FROM switchyard_migration_steps WHERE version = 2) AS steps
        """

    @Test func aStoppedRunResumesFromItsOwnTextAndRefusesAnEditedOne() throws {
        let schema = try TestDatabase.makeSchema()
        let connection = try schema.connect()
        let original = Migrator(migrations: Self.migrations(backfilling: "first"), batchKeys: 10)
        try Migrator(migrations: Array(original.migrations.prefix(1))).up(on: connection, actor: "test")
        try connection.execute("INSERT INTO execution_tasks (trade_id, event_type) SELECT 'T-' || i, 'ENTRY' FROM generate_series(1, 25) i")
        #expect(throws: DatabaseError.self) { try original.up(on: connection, actor: "test") }
        let stopped = try connection.execute(Self.state).first!
        #expect(stopped["notes"] == "first 25" && stopped["steps"] == "1 true 0,2 true 25")

        // The file edited before the run is continued: refused, nothing run, the migration named.
        let edited = Migrator(migrations: Self.migrations(backfilling: "second"), batchKeys: 10)
        try connection.execute("CREATE TABLE gate (note text)")
        try connection.execute("INSERT INTO gate VALUES ('gate')")
        var events: [MigrationEvent] = []
        let error = try #require(throws: DatabaseError.self) { try edited.up(on: connection, actor: "test") { events.append($0) } }
        #expect(error.message == "Migration 2 (sample_notes) was started from a different file than this build's; "
            + "a run stopped after 2 of its steps.")
        #expect(error.detail?.contains("revert it with that build (migrate down to version 1)") == true)
        #expect(events.isEmpty)
        let after = try connection.execute(Self.state).first!
        #expect(after["notes"] == stopped["notes"] && after["steps"] == stopped["steps"])
        #expect(try edited.currentVersion(on: connection) == 1)
        let shown = try #require(try edited.status(on: connection).first { $0.version == 2 }?.inProgress)
        #expect(shown.startedFromOtherText && shown.stepsDone == 2)
        #expect(try original.status(on: connection).first { $0.version == 2 }?.inProgress?.startedFromOtherText == false)

        // The same text continues where it stopped.
        let applied = try original.up(on: connection, actor: "test") { events.append($0) }
        #expect(applied == [2])
        #expect(events.first == .migrating(version: 2, name: "sample_notes", resumed: true))
        #expect(try connection.execute(Self.state).first!["notes"] == "first 25,gate 1")
    }

    @Test func stepsAnEarlierBuildRecordedWithoutAChecksumAreContinuedAsBefore() throws {
        let schema = try TestDatabase.makeSchema()
        let connection = try schema.connect()
        let migrator = Migrator(migrations: Self.migrations(backfilling: "first"))
        #expect(throws: DatabaseError.self) { try migrator.up(on: connection, actor: "test") }
        // The table as a build before the checksum column made it.
        try connection.execute("ALTER TABLE switchyard_migration_steps DROP COLUMN checksum")
        #expect(try migrator.status(on: connection).first { $0.version == 2 }?.inProgress?.startedFromOtherText == false)
        try connection.execute("CREATE TABLE gate (note text)")
        #expect(try migrator.up(on: connection, actor: "test") == [2])
        #expect(try connection.count("""
            SELECT count(*) AS n FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = 'switchyard_migration_steps' AND column_name = 'checksum'
            """) == 1)
    }

    @Test func theCommandLineShowsAndRefusesARunStartedFromAnotherFile() throws {
        let schema = try TestDatabase.makeSchema()
        let connection = try schema.connect()
        // A run of another text of migration 11 (four steps) stopped after its first step.
        try Migrator(migrations: SwitchyardResources.migrations.filter { $0.version <= 10 }).up(on: connection, actor: "test")
        try connection.execute("INSERT INTO switchyard_migration_steps (version, step, finished_at, checksum) VALUES (11, 1, now(), 'other')")
        let status = try Executable.run(["migrate", "status"], environment: schema.processEnvironment)
        #expect(status.stdout.contains("IN PROGRESS, step 2 of 4 (started from a different file than this build's: "
            + "finish or revert it with the build that started it)"), "\(status.stdout)")
        let up = try Executable.run(["migrate", "up"], environment: schema.processEnvironment)
        #expect(up.status != 0)
        #expect(up.stderr.contains("Migration 11 (account_figures) was started from a different file"), "\(up.stderr)")
        #expect(try Migrator().currentVersion(on: connection) == 10)
    }
}
