import ArgumentParser
import FoundationEssentials
import SwitchyardEngine

extension Switchyard {
    struct Alerts: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Alert rules: evaluated by every router, delivered once for the cluster by webhook or command.",
            discussion: """
                Rules live in the database. Every router evaluates them every few seconds on the \
                database's clock; a firing is delivered once however many routers run, and a \
                resolved message follows when the condition clears. Adding and removing rules, \
                firings, deliveries, failed deliveries and suppressions are kept in an append-only \
                history. See docs/operations.md, "Alerts".
                """,
            subcommands: [Add.self, List.self, Remove.self, Test.self, History.self, Evaluate.self])

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a rule: one condition, a severity, and where to deliver.",
                discussion: """
                    Example: switchyard alerts add failed-orders --failed-over 0 --severity critical \
                    --webhook https://chat.example/hooks/T0/B0/XXXX
                    """)
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "The rule's name (letters, digits, '-', '_', '.').") var name: String

            @Option(help: ArgumentHelp("Fire when more than N tasks are FAILED.", valueName: "n")) var failedOver: Int?
            @Option(help: ArgumentHelp("Fire when more than N tasks are DEAD.", valueName: "n")) var deadOver: Int?
            @Option(help: ArgumentHelp("Fire when the oldest eligible task has waited longer (90s, 15m; a number alone is seconds).",
                                       valueName: "duration"), transform: TimeSpan.argument)
            var lagOver: TimeSpan?
            @Option(help: ArgumentHelp("Fire when no router has been live for longer.", valueName: "duration"),
                    transform: TimeSpan.argument)
            var noRouterFor: TimeSpan?
            @Option(help: ArgumentHelp("Fire when more than this percent of the window's attempts failed (needs --window).",
                                       valueName: "percent"))
            var failureRateOver: Double?
            @Option(help: ArgumentHelp("Fire when one account refused more than N orders in the window (needs --window).",
                                       valueName: "n"))
            var accountRefusalsOver: Int?
            /// The flag's name before migration 19, kept for scripts written with it.
            @Option(help: .hidden) var accountRejectionsOver: Int?
            @Option(help: ArgumentHelp("The window of --failure-rate-over and --account-refusals-over, in whole minutes "
                                       + "(10m, 1h; a number alone is minutes).", valueName: "duration"),
                    transform: TimeSpan.wholeMinutes)
            var window: Int?

            @Option(help: "warning (held during quiet hours) or critical (delivered at any hour).")
            var severity: AlertSeverity = .warning
            @Option(help: ArgumentHelp("POST the JSON message to this http(s) URL.", valueName: "url")) var webhook: String?
            @Option(help: ArgumentHelp("The same, the URL read from this environment variable (kept off the command line).",
                                       valueName: "name"))
            var webhookEnv: String?
            @Option(help: ArgumentHelp("Run this program (with /bin/sh -c) with the JSON message on standard input.",
                                       valueName: "program"))
            var command: String?
            @Option(help: ArgumentHelp("After a firing message, the rule does not fire again for this long (default 5m).",
                                       valueName: "duration"), transform: TimeSpan.argument)
            var cooldown = TimeSpan(.seconds(300))
            @Option(help: ArgumentHelp("Hold warnings during these hours, e.g. 22:00-07:00 (needs --time-zone).",
                                       valueName: "HH:MM-HH:MM"))
            var quietHours: String?
            @Option(help: ArgumentHelp("The time zone of --quiet-hours, e.g. Europe/London.", valueName: "zone"))
            var timeZone: String?

            func run() throws {
                let rule = try definition()
                let connection = try database.connect()
                let id = try AlertQueries.add(rule, actor: OperatorIdentity.current(), on: connection)
                print("Added alert rule \(rule.name) (#\(id)): \(rule.condition.summary), \(rule.severity.rawValue), "
                      + "to \(rule.target.redacted).")
                print("Every router evaluates it within a few seconds; `switchyard alerts test \(rule.name)` sends a test message.")
            }

            /// A rule the flags cannot describe is a wrong command line: exit 64 with the usage.
            func validate() throws { _ = try definition() }

            /// The webhook's URL and the flag that gave it: --webhook, or the variable --webhook-env names.
            func webhookURL() throws -> (flag: String, url: String)? {
                switch (webhook, webhookEnv) {
                case (let url?, nil): return ("--webhook", url)
                case (nil, let name?):
                    guard let url = ProcessInfo.processInfo.environment[name], !url.isEmpty else {
                        throw ValidationError("--webhook-env: the environment variable \(name) is not set (or empty).")
                    }
                    return ("--webhook-env \(name)", url)
                case (nil, nil): return nil
                case (_?, _?): throw ValidationError("Give --webhook or --webhook-env, not both.")
                }
            }

            /// The rule the flags describe, or a `ValidationError` naming the flag to fix.
            func definition() throws -> AlertRuleDefinition {
                let given: [(String, AlertCondition?)] = [
                    ("--failed-over", failedOver.map { .failedOver($0) }),
                    ("--dead-over", deadOver.map { .deadOver($0) }),
                    ("--lag-over", lagOver.map { .lagOver(seconds: $0.duration.seconds) }),
                    ("--no-router-for", noRouterFor.map { .noRouterFor(seconds: $0.duration.seconds) }),
                    ("--failure-rate-over", failureRateOver.map { .failureRateOver(percent: $0, windowMinutes: window ?? 0) }),
                    ("--account-refusals-over", accountRefusalsOver.map { .accountRefusalsOver($0, windowMinutes: window ?? 0) }),
                    ("--account-rejections-over", accountRejectionsOver.map { .accountRefusalsOver($0, windowMinutes: window ?? 0) }),
                ].filter { $0.1 != nil }
                guard given.count == 1, case let (flag, condition?)? = given.first else {
                    throw ValidationError(given.isEmpty
                        ? "Give one condition: --failed-over, --dead-over, --lag-over, --no-router-for, --failure-rate-over or --account-refusals-over."
                        : "Give one condition per rule, not \(given.map(\.0).joined(separator: " and ")): add a rule for each.")
                }
                if condition.windowMinutes == nil, window != nil {
                    throw ValidationError("--window goes with --failure-rate-over or --account-refusals-over, not \(flag).")
                }
                if condition.windowMinutes != nil, window == nil {
                    throw ValidationError("\(flag) needs --window (the minutes it looks back over, e.g. --window 10m).")
                }
                let target: AlertTarget
                switch (try webhookURL(), command) {
                case (let (flag, url)?, nil):
                    do { target = try AlertTarget.webhook(parsing: url) } catch let error as ConfigurationError {
                        throw ValidationError("\(flag): \(error.message)")
                    }
                case (nil, let program?): target = .command(program)
                case (nil, nil):
                    throw ValidationError("Say where to deliver: --webhook URL or --command PROGRAM (or --webhook-env NAME).")
                default: throw ValidationError("Give --webhook or --command, not both: add a second rule for the other.")
                }
                var quiet: QuietHours?
                switch (quietHours, timeZone) {
                case (let span?, let zone?):
                    do { quiet = try QuietHours(parsing: span, timeZone: zone) } catch let error as ConfigurationError {
                        throw ValidationError("--quiet-hours: \(error.message)")
                    }
                case (_?, nil): throw ValidationError("--quiet-hours needs --time-zone, such as --time-zone Europe/London or UTC.")
                case (nil, _?): throw ValidationError("--time-zone goes with --quiet-hours.")
                case (nil, nil): quiet = nil
                }
                let rule = AlertRuleDefinition(name: name, condition: condition, severity: severity, target: target,
                                               cooldown: cooldown.duration, quietHours: quiet)
                do { try rule.validate() } catch let error as ConfigurationError {
                    throw ValidationError(error.message.replacing("The threshold", with: "\(flag)'s value")
                        .replacing("The window", with: "--window"))
                }
                return rule
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the rules and what is firing now.")
            @OptionGroup var database: DatabaseOptions

            func run() throws {
                let connection = try database.connect(readOnly: true)
                try requireAlerts(on: connection)
                let rules = try AlertQueries.rules(on: connection)
                let firing = try AlertQueries.firing(on: connection)
                if rules.isEmpty { print("No alert rules. Add one with `switchyard alerts add`.") }
                for rule in rules {
                    var line = "\(rule.name)  \(rule.severity.rawValue)  \(rule.condition.summary)  → \(rule.target)"
                    line += "  cooldown \(TimeSpan.format(rule.cooldown))"
                    if let quiet = rule.quietHours { line += "  quiet \(quiet.summary)" }
                    print(line)
                }
                print("")
                print(firing.isEmpty ? "Nothing is firing." : "Firing now:")
                for alert in firing { print("  " + describe(alert)) }
            }
        }

        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Remove a rule. Its history stays; an open episode closes without a message.")
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "The rule's name.") var name: String

            func run() throws {
                let connection = try database.connect()
                try requireAlerts(on: connection)
                try AlertQueries.remove(name: name, actor: OperatorIdentity.current(), on: connection)
                print("Removed alert rule \(name); its history is kept (`switchyard alerts history --rule \(name)`).")
            }
        }

        struct Test: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Send a test message through the rule's webhook or command now, and say whether it arrived.",
                usage: "switchyard alerts test [<options>] <name>")
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "The rule's name.") var name: String
            @Option(help: ArgumentHelp("Give up after this long (default 10s).", valueName: "duration"),
                    transform: TimeSpan.argument) var timeout = TimeSpan(.seconds(10))

            func run() throws {
                let settings = try database.settings()
                let connection = try PGConnection(settings: settings)
                try requireAlerts(on: connection)
                var config = AlertDelivery.Config()
                config.timeout = timeout.duration
                let delivery = AlertDelivery(senderID: OperatorIdentity.current(), config: config)
                if let failure = try delivery.sendTest(rule: name, database: settings.displayName(), on: connection) {
                    throw AlertsError("The test message for \(name) did not arrive. \(failure.message)\n"
                        + "Check the URL or program (`switchyard alerts remove` and `add` to change it); the failure is in `switchyard alerts history`.")
                }
                print("Test message for \(name) delivered.")
            }
        }

        struct History: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show the alert history, newest first: rules added and removed, firings, deliveries, failures, suppressions, resolutions.",
                usage: "switchyard alerts history [<options>]")
            @OptionGroup var database: DatabaseOptions
            @Option(help: "Only this rule's rows.") var rule: String?
            @Option(help: "Show at most this many.") var limit = 50

            func run() throws {
                let connection = try database.connect(readOnly: true)
                try requireAlerts(on: connection)
                let rows = try AlertQueries.history(on: connection, rule: rule, limit: limit)
                if rows.isEmpty { print("(no alert history)") }
                for entry in rows {
                    var line = "\(timeText(entry.at))  \(entry.rule)  \(entry.event)"
                    if let account = entry.account { line += "  account \(account)" }
                    if let detail = entry.detail { line += "  \(detail)" }
                    line += "  (by \(entry.actor))"
                    print(line)
                }
            }
        }

        struct Evaluate: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Evaluate the rules and deliver what is owed, once (for a timer on a machine outside the cluster).",
                discussion: """
                    Routers do this every few seconds. Run it from cron or a systemd timer elsewhere so \
                    that --no-router-for fires even when every router is gone.
                    """)
            @OptionGroup var database: DatabaseOptions

            func run() throws {
                let settings = try database.settings()
                let connection = try PGConnection(settings: settings)
                try requireAlerts(on: connection)
                let actor = OperatorIdentity.current()
                let clock = ContinuousClock()
                let started = clock.now
                let evaluation = try AlertEvaluator(evaluatorID: actor, database: settings.displayName()).runOnce(on: connection)
                let took = clock.now - started
                for error in evaluation.errors { writeToStandardError("warning: \(error)\n") }
                let delivery = try AlertDelivery(senderID: actor).runOnce(on: connection)
                print("evaluated in \(TimeSpan.format(took, .brief)): fired \(evaluation.fired.count), resolved \(evaluation.resolved.count), held \(evaluation.suppressed.count); "
                      + "delivered \(delivery.delivered.count), failed \(delivery.failed.count + delivery.abandoned.count).")
            }
        }
    }
}

/// A bad alert command: the message says which flag to fix. Printed without a usage dump.
struct AlertsError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension AlertSeverity: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

private func requireAlerts(on connection: PGConnection) throws {
    guard try AlertQueries.isAvailable(on: connection) else {
        throw AlertsError("This database has no alert tables yet. Run `switchyard migrate up`.")
    }
}

/// "failed-orders  critical  3 tasks FAILED since 2026-11-30 04:12:00 UTC (held: quiet hours ...)".
func describe(_ alert: FiringAlert) -> String {
    var line = "\(alert.rule)  \(alert.severity.rawValue)  \(alert.condition.describe(value: alert.value))"
    if let account = alert.account { line += " by account \(account)" }
    line += " since \(timeText(alert.since))"
    if let held = alert.heldReason { line += " (held: \(held))" }
    if alert.failingDeliveries > 0 {
        line += " (\(alert.failingDeliveries) message(s) not delivered yet: \(alert.deliveryError ?? "retrying"))"
    }
    return line
}
