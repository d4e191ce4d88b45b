import Testing

/// `alerts add` with flags that describe no rule is a wrong command line: exit 64, the message
/// naming the flag to fix, then the usage; nothing is connected to or written.
struct AlertsAddUsageTests {
    static let cases: [([String], String)] = [
        (["--failed-over", "0", "--lag-over", "5", "--webhook", "http://x"],
         "Give one condition per rule, not --failed-over and --lag-over: add a rule for each."),
        (["--webhook", "http://x"], "Give one condition: --failed-over, --dead-over, --lag-over"),
        (["--failure-rate-over", "5", "--webhook", "http://x"], "--failure-rate-over needs --window (the minutes it looks back over"),
        (["--failed-over", "1", "--window", "5", "--webhook", "http://x"],
         "--window goes with --failure-rate-over or --account-refusals-over, not --failed-over."),
        (["--failed-over", "1"], "Say where to deliver: --webhook URL or --command PROGRAM (or --webhook-env NAME)."),
        (["--failed-over", "1", "--webhook-env", "SY_NO_SUCH_VARIABLE"],
         "--webhook-env: the environment variable SY_NO_SUCH_VARIABLE is not set (or empty)."),
        (["--failed-over", "1", "--webhook", "http://x", "--webhook-env", "HOME"], "Give --webhook or --webhook-env, not both."),
        (["--failed-over", "1", "--webhook", "http://x", "--command", "true"], "Give --webhook or --command, not both"),
        (["--failed-over", "1", "--webhook", "ftp://x"], "--webhook: The webhook URL must start with http:// or https://"),
        (["--failed-over", "1", "--webhook", "http://x", "--quiet-hours", "22:00-07:00"], "--quiet-hours needs --time-zone"),
        (["--failed-over", "1", "--webhook", "http://x", "--time-zone", "UTC"], "--time-zone goes with --quiet-hours."),
        (["--failure-rate-over", "5", "--window", "0", "--webhook", "http://x"], "--window must be 1 to"),
        (["--failure-rate-over", "5", "--window", "90s", "--webhook", "http://x"],
         "90s is not a whole number of minutes: alerts count attempts per minute. Give 1m or 2m."),
        (["--account-refusals-over", "3", "--window", "45s", "--webhook", "http://x"], "Give 1m."),
        // The flag's former name still works, and still counts as a condition of its own.
        (["--account-rejections-over", "3", "--webhook", "http://x"], "--account-rejections-over needs --window"),
        (["--account-refusals-over", "3", "--account-rejections-over", "3", "--window", "5", "--webhook", "http://x"],
         "Give one condition per rule, not --account-refusals-over and --account-rejections-over"),
    ]

    /// No database is given: a usage error is found before any connection is tried.
    @Test(arguments: cases)
    func flagsThatDescribeNoRuleExit64WithTheUsage(arguments: [String], message: String) throws {
        let refused = try CLI.run(["alerts", "add", "r"] + arguments)
        #expect(refused.status == 64, "\(arguments): \(refused.output)")
        #expect(refused.output.hasPrefix("Error: "), "\(refused.output)")
        #expect(refused.output.contains(message), "\(arguments): \(refused.output)")
        #expect(refused.output.contains("Usage: switchyard alerts add [<options>] <name>"), "\(refused.output)")
        #expect(!refused.output.contains("Postgres"), "nothing connects: \(refused.output)")
    }

    /// Whole minutes in any of the duration forms pass the command line; the run then fails at
    /// the connection (exit 1), with no usage.
    @Test(arguments: ["10", "10m", "1h", "1h30m"])
    func aWindowOfWholeMinutesIsAccepted(window: String) throws {
        let result = try CLI.run(["alerts", "add", "r", "--failure-rate-over", "5", "--window", window, "--webhook", "http://x",
                                  "--database-url", "postgresql://user@[broken"])
        #expect(result.status == 1, "\(window): \(result.output)")
        #expect(result.output.hasPrefix("Error: The database URL is not valid: "), "\(result.output)")
        #expect(!result.output.contains("Usage:"), "\(result.output)")
    }
}
