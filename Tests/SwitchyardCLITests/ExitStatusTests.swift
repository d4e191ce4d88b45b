import Testing

/// The exit statuses scripts rely on: 64 for a wrong command line (with the usage), 1 for a
/// failure at run time (one message with its advice, no usage), 2 for a tripped
/// `stats --fail-if-*`.
struct ExitStatusTests {
    @Test func aWrongCommandLineExits64WithTheUsage() throws {
        let refused = try CLI.run(["tasks", "retry"])
        #expect(refused.status == 64, "\(refused.output)")
        #expect(refused.output.hasPrefix("Error: Give task ids, or --failed (with filters), not both.\n"), "\(refused.output)")
        #expect(refused.output.contains("Usage: switchyard tasks retry"), "\(refused.output)")

        let unknown = try CLI.run(["stats", "--no-such-flag"])
        #expect(unknown.status == 64, "\(unknown.output)")
    }

    /// Retention the pruner cannot keep is a wrong command line that names the options to check.
    @Test func routerRetentionThatCannotWorkExits64() throws {
        let short = try CLI.run(["router", "--keep-minutes", "2h"])
        #expect(short.status == 64, "\(short.output)")
        #expect(short.output.hasPrefix("Error: Minutes must be kept at least 1d: the alerts' longest window reads them. "
            + "Check --keep-minutes, --keep-hours and --keep-records.\n"), "\(short.output)")
        let hours = try CLI.run(["router", "--keep-minutes", "10d", "--keep-hours", "5d"])
        #expect(hours.status == 64 && hours.output.contains("Hours must be kept longer than minutes (10d)"), "\(hours.output)")
        let junk = try CLI.run(["router", "--keep-records", "a month"])
        #expect(junk.status == 64, "\(junk.output)")
    }

    /// A runtime failure reached before any connection: an accounts file that is not there.
    @Test func aMissingAccountsFileExits1WithOneMessageAndItsAdvice() throws {
        let failed = try CLI.run(["router", "--accounts", "/nonexistent/accounts.json", "--database-url", "postgresql:///unused"])
        #expect(failed.status == 1, "\(failed.output)")
        #expect(failed.output == "Error: Cannot read the accounts file /nonexistent/accounts.json.\nCheck the path given to --accounts.\n")
    }

    /// A database URL libpq cannot parse is a failure at run time, not a wrong command line.
    @Test(arguments: [["stats"], ["tasks", "list"], ["tasks", "show", "1"]])
    func anUnparsableDatabaseURLExits1WithoutTheUsage(command: [String]) throws {
        let failed = try CLI.run(command + ["--database-url", "postgresql://user@[broken"])
        #expect(failed.status == 1, "\(failed.output)")
        #expect(failed.output.hasPrefix("Error: The database URL is not valid: "), "\(failed.output)")
        #expect(failed.output.contains("Use postgresql://USER:PASSWORD@HOST:PORT/DBNAME"), "\(failed.output)")
        #expect(!failed.output.lowercased().contains("usage:"), "\(failed.output)")
        #expect(failed.output.split(separator: "\n").count == 2, "one message and its advice: \(failed.output)")
    }
}

@Suite(.database) struct ExitStatusDatabaseTests {
    @Test func aRefusedActionExits1WithOneMessageAndNoUsage() throws {
        let schema = try CLISchema()
        let id = try schema.enqueueEntry(trade: "CLI-RESUME")
        let refused = try CLI.run(["tasks", "resume", String(id)], environment: schema.environment)
        #expect(refused.status == 1, "\(refused.output)")
        #expect(refused.output.hasPrefix("Error: Cannot resume task #\(id): "), "\(refused.output)")
        #expect(!refused.output.lowercased().contains("usage:"), "\(refused.output)")

        let missing = try CLI.run(["tasks", "show", "999999"], environment: schema.environment)
        #expect(missing.status == 1)
        #expect(missing.output == "Error: Task #999999 does not exist. `switchyard tasks list` shows the ids.\n")
    }

    /// No router has ever run in a fresh schema, so `--fail-if-no-router` trips.
    @Test func aTrippedStatsCheckExits2() throws {
        let schema = try CLISchema()
        let tripped = try CLI.run(["stats", "--fail-if-no-router"], environment: schema.environment)
        #expect(tripped.status == 2, "\(tripped.output)")
        #expect(tripped.output.contains("--fail-if-no-router: no live router"), "\(tripped.output)")

        let calm = try CLI.run(["stats", "--fail-if-failed", "0"], environment: schema.environment)
        #expect(calm.status == 0, "\(calm.output)")
    }
}

/// Every command, from the parser's configuration: a flag it does not have is a wrong command
/// line, refused with 64 and that command's usage.
struct UsageStatusTableTests {
    @Test(arguments: HelpSnapshotTests.commands)
    func anUnknownFlagExits64WithTheUsage(command: [String]) throws {
        let refused = try CLI.run(command + ["--no-such-flag"])
        #expect(refused.status == 64, "\(command): \(refused.output)")
        #expect(refused.output.hasPrefix("Error: "), "\(command): \(refused.output)")
        #expect(refused.output.contains("Usage: switchyard"), "\(command): \(refused.output)")
    }
}
