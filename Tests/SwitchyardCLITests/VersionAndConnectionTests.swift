import SwitchyardEngine
import Testing

struct VersionAndConnectionTests {
    /// The release and the newest migration this build ships, read from the migration list.
    @Test func versionNamesTheReleaseAndTheNewestMigration() throws {
        let newest = try #require(Migrator().migrations.map(\.version).max())
        let printed = try CLI.run(["--version"])
        #expect(printed.status == 0, "\(printed.output)")
        #expect(printed.output == "switchyard \(SwitchyardVersion.release) (schema \(newest))\n")
    }

    /// With no URL, no DATABASE_URL and no PG* variable, the error says nothing was given, what
    /// libpq tried instead (a real user name, not "?"), and how to give a database.
    @Test func noDatabaseGivenSaysSoAndHowToGiveOne() throws {
        let failed = try CLI.run(["stats"], environment: CLI.noDatabase.filter { $0.key != "USER" })
        #expect(failed.status == 1, "\(failed.output)")
        let lines = failed.output.split(separator: "\n")
        #expect(matches(lines.first ?? "", #"No database was given, and nothing answers at libpq's default, [^?@]+@local socket port 5432/[^?]+\."#),
                "\(failed.output)")
        #expect(failed.output.contains("Give one: --database-url postgresql://USER@HOST:PORT/DBNAME, DATABASE_URL, or PGHOST"), "\(failed.output)")
        #expect(!failed.output.contains("?@"), "\(failed.output)")

        // A PG* variable is something given: the message names where it pointed.
        let pointed = try CLI.run(["stats"], environment: CLI.noDatabase.merging(["PGHOST": "/nonexistent", "PGPORT": "1"]) { $1 })
        #expect(pointed.status == 1, "\(pointed.output)")
        #expect(pointed.output.contains("Could not connect to Postgres at "), "\(pointed.output)")
        #expect(pointed.output.contains("@/nonexistent port 1/"), "\(pointed.output)")
    }
}
