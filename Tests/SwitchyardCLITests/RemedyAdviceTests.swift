import SwitchyardEngine
import Testing

/// The engine's errors say what to do without naming a flag (`Remedy`); the command line says
/// which flag does it. Each case here is a real failure, through the built binary.
struct RemedyAdviceTests {
    @Test func liveRoutingWithoutALiveAccountNamesTheFlagToDrop() throws {
        let failed = try CLI.run(["router", "--live", "--database-url", "postgresql:///unused"])
        #expect(failed.status == 1, "\(failed.output)")
        #expect(failed.output == "Error: --live was given, but the demo account set has no account with \"mode\": \"live\" "
            + "(docs/router.md, \"Live routing\"). Run without --live to route in dry-run mode (simulated orders, nothing sent).\n")
    }

    @Test func anUnparsableURLNamesTheFlagAndTheVariable() throws {
        let failed = try CLI.run(["stats", "--database-url", "postgresql://user@[broken"])
        #expect(failed.output.hasSuffix("Use postgresql://USER:PASSWORD@HOST:PORT/DBNAME or key=value pairs "
            + "(host=... dbname=...), in --database-url or DATABASE_URL.\n"), "\(failed.output)")
        #expect(!failed.output.contains(Remedy.writeValidURL.advice), "\(failed.output)")
    }

    @Test func aServerThatDoesNotAnswerNamesTheFlag() throws {
        let failed = try CLI.run(["tasks", "list"], environment: CLI.noDatabase.merging(["PGHOST": "/nonexistent"]) { $1 })
        #expect(failed.status == 1, "\(failed.output)")
        #expect(failed.output.contains("Is the server running? Pass --database-url, or set DATABASE_URL or the PG* variables.\n"),
                "\(failed.output)")
    }
}

@Suite(.database) struct RemedyAdviceDatabaseTests {
    static let payload = #"{"kind":"ENTRY","direction":"LONG","entry_price":4156.25,"stop_loss":4150}"#
    static let enqueue = ["enqueue", "--trade-id", "REMEDY-1", "--event-type", "ENTRY", "--payload", payload]

    /// A server that refuses writes is most likely a standby: connect to the primary.
    @Test func aReadOnlyServerNamesTheFlagToPointAtThePrimary() throws {
        let schema = try CLISchema()
        var environment = schema.environment
        environment["DATABASE_URL"]! += "%20-c%20default_transaction_read_only%3Don"
        let failed = try CLI.run(Self.enqueue, environment: environment)
        #expect(failed.status == 1, "\(failed.output)")
        #expect(failed.output.hasSuffix("The server is read-only (a hot standby?); point --database-url at the primary.\n"),
                "\(failed.output)")
    }

    /// A schema Switchyard never migrated: migrate it, or watch it read-only.
    @Test func anUnmigratedDatabaseNamesTheReadOnlyFlag() throws {
        let schema = try CLISchema(migrated: false)
        let failed = try CLI.run(Self.enqueue, environment: schema.environment)
        #expect(failed.status == 1, "\(failed.output)")
        #expect(failed.output.hasPrefix("Error: A table Switchyard needs is missing"), "\(failed.output)")
        #expect(failed.output.hasSuffix(", or use --read-only to watch a database Switchyard has not migrated.\n"), "\(failed.output)")
    }
}
