import ArgumentParser
import FoundationEssentials
import SwitchyardEngine

extension Switchyard {
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print one dashboard snapshot, for people or (with --json) for scripts.",
            usage: "switchyard stats [<options>]",
            discussion: """
                Exit status: 0 when no --fail-if condition is met; 2 when one is (each tripped \
                condition is a line on stderr, and a condition that cannot be checked trips too); \
                1 when the database cannot be read. The JSON shape is documented in docs/stats-json.md.
                """)

        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Print JSON (docs/stats-json.md) instead of text.")
        var json = false
        @Flag(help: "Use a read-only session (stats never writes; this makes the server enforce it).")
        var readOnly = false
        @Option(name: .customLong("fail-if-lag"), help: ArgumentHelp(
            "Exit 2 when the oldest eligible task has waited longer than this (90s, 15m; a number alone is seconds).", valueName: "duration"),
            transform: TimeSpan.argument)
        var maxLag: TimeSpan?
        @Option(name: .customLong("fail-if-failed"), help: ArgumentHelp(
            "Exit 2 when more than this many tasks are FAILED.", valueName: "n"))
        var maxFailed: Int?
        @Flag(name: .customLong("fail-if-no-router"), help: "Exit 2 when no router is live: none heartbeating within its lease, on the database's clock.")
        var requireRouter = false
        @Option(help: ArgumentHelp("Only tasks of this event type in the task lists.", valueName: "type"))
        var eventType: EventType?
        @Option(help: ArgumentHelp("Only tasks whose trade id contains this text (any case) in the task lists.",
                                   valueName: "text"))
        var tradeID: String?
        @Option(help: ArgumentHelp("The accounts file (JSON, docs/router.md): its accounts are listed, enabled or not, beside those seen in the data.",
                                   valueName: "file"))
        var accounts: String?
        @Option(help: "Rows in each task list and in the recent logs.")
        var limit = 10
        /// Read as if at this instant (RFC 3339), for tests and reproducible reports.
        @Option(help: .hidden)
        var at: String?
        /// Take this many snapshots and print the median time of the whole and of each part
        /// (scripts/bench-monitor.sh).
        @Option(help: .hidden)
        var bench: Int?

        func validate() throws {
            if let maxFailed, maxFailed < 0 { throw ValidationError("--fail-if-failed takes a count, 0 or more.") }
            guard limit >= 0 else { throw ValidationError("--limit takes a count, 0 or more.") }
            if let at, parsedAt(at) == nil {
                throw ValidationError("--at takes an RFC 3339 time such as 2026-11-23T10:00:30Z.")
            }
        }

        func run() throws {
            var config = MonitorQueries.Config()
            config.recentLogLimit = limit
            config.taskListLimit = limit
            do {
                config.configuredAccounts = try accounts.map(AccountSet.load(path:))?.accounts ?? []
            } catch let error as AccountsError {
                writeToStandardError(CommandLineAdvice.describe(error) + "\n")
                throw ExitStatus.failure
            }
            let filter = TaskFilter(eventType: eventType, tradeIDContains: tradeID)
            let snapshot: DashboardSnapshot
            let settings = try database.settings(readOnly: readOnly)
            do {
                let connection = try PGConnection(settings: settings)
                if let bench {
                    try StatsBench.run(MonitorQueries(config: config), on: connection, filter: filter,
                                       now: at.flatMap(parsedAt), runs: bench)
                    return
                }
                snapshot = try MonitorQueries(config: config).snapshot(on: connection, filter: filter,
                                                                       now: at.flatMap(parsedAt))
            } catch let error as DatabaseError {
                writeToStandardError(CommandLineAdvice.describe(error) + "\n")
                throw ExitStatus.failure
            }
            if json {
                print(try SnapshotJSON.encode(snapshot))
            } else {
                print(StatsText.render(snapshot, database: settings.displayName()), terminator: "")
            }
            let thresholds = SnapshotThresholds(maxLag: maxLag?.duration.seconds, maxFailed: maxFailed, requireRouter: requireRouter)
            let violations = thresholds.violations(in: snapshot)
            guard violations.isEmpty else {
                writeToStandardError(violations.map { "\(Self.option(for: $0.condition)): \($0.message)\n" }.joined())
                throw ExitStatus.tripped
            }
        }

        /// The option that asked for a check, to name it beside what tripped.
        static func option(for condition: SnapshotThresholds.Violation.Condition) -> String {
            switch condition {
            case .lag: "--fail-if-lag"
            case .failed: "--fail-if-failed"
            case .noRouter: "--fail-if-no-router"
            }
        }

        private func parsedAt(_ text: String) -> Date? {
            (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
                ?? (try? Date.ISO8601FormatStyle().parse(text))
        }
    }
}
