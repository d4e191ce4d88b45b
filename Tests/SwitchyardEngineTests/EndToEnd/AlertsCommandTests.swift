import Foundation
import Testing
@testable import SwitchyardEngine

/// `switchyard alerts ...` as an operator types it: clear errors, secrets never printed.
@Suite(.database, .serialized) struct AlertsCommandTests {
    @Test func badInputGetsAnErrorSayingWhatToFix() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        func add(_ arguments: [String]) async throws -> Executable.Output {
            try await Executable.runOffPool(["alerts", "add", "r"] + arguments, environment: schema.processEnvironment)
        }
        let cases: [([String], String)] = [
            (["--failed-over", "0", "--lag-over", "5", "--webhook", "http://x"], "not --failed-over and --lag-over"),
            (["--webhook", "http://x"], "Give one condition"),
            (["--failure-rate-over", "5", "--webhook", "http://x"], "needs --window (the minutes it looks back over"),
            (["--failed-over", "1", "--window", "5", "--webhook", "http://x"], "--window goes with"),
            (["--failed-over", "1"], "--webhook URL or --command PROGRAM"),
            (["--failed-over", "1", "--webhook", "ftp://x"], "must start with http:// or https://"),
            (["--failed-over", "1", "--webhook", "http://x", "--quiet-hours", "22:00-07:00"], "needs --time-zone"),
            (["--failed-over", "1", "--webhook", "http://x", "--quiet-hours", "22-7", "--time-zone", "UTC"], "HH:MM-HH:MM"),
            (["--failed-over", "1", "--webhook", "http://x", "--quiet-hours", "22:00-07:00", "--time-zone", "Mars/Olympus"],
             "does not know the time zone \"Mars/Olympus\""),
            (["--failed-over", "1", "--webhook", "http://x", "--cooldown", "soon"], "is not a duration"),
            (["--lag-over", "1h30", "--webhook", "http://x"],
             "\"1h30\" is not a duration: write a number and a unit, ms, s, m, h or d (250ms, 90s, 15m, 2h, 1h30m, 400d)"),
        ]
        for (arguments, expected) in cases {
            let output = try await add(arguments)
            #expect(output.status != 0, "\(arguments)")
            #expect(output.stderr.contains(expected), "\(arguments): \(output.stderr)")
            #expect(!output.stderr.contains("USAGE"), "\(arguments): \(output.stderr)")
        }
        #expect(try schema.connect().count("SELECT count(*) AS n FROM switchyard_alert_rules") == 0)
    }

    @Test func listShowsTheRuleWithoutSecretsAndTestSaysWhenTheWebhookIsUnreachable() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        // A port nothing listens on: a server started and stopped.
        let closed = try WebhookServer()
        closed.stop()
        let url = "http://user:pw@127.0.0.1:\(closed.port)/hooks/T0/B0/secret-token?key=hidden"
        let add = try await Executable.runOffPool(["alerts", "add", "failed-orders", "--failed-over", "0", "--severity", "critical",
                                      "--webhook", url, "--quiet-hours", "22:00-07:00", "--time-zone", "Europe/London"],
                                     environment: schema.processEnvironment)
        #expect(add.status == 0, "\(add.stderr)")
        let list = try await Executable.runOffPool(["alerts", "list"], environment: schema.processEnvironment)
        #expect(list.stdout.contains("failed-orders  critical  failed-over 0  → http://127.0.0.1:\(closed.port)/…"), "\(list.stdout)")
        #expect(list.stdout.contains("quiet 22:00-07:00 Europe/London"))
        let test = try await Executable.runOffPool(["alerts", "test", "failed-orders", "--timeout", "3"], environment: schema.processEnvironment)
        #expect(test.status != 0)
        #expect(test.stderr.contains("did not arrive") && test.stderr.contains("connection refused"), "\(test.stderr)")
        let history = try await Executable.runOffPool(["alerts", "history"], environment: schema.processEnvironment)
        #expect(history.stdout.contains("test_failed") && history.stdout.contains("rule_added"), "\(history.stdout)")
        for output in [add, list, test, history] {
            #expect(!(output.stdout + output.stderr).contains("secret-token"))
            #expect(!(output.stdout + output.stderr).contains("hidden"))
            #expect(!(output.stdout + output.stderr).contains("pw@"))
        }
        let webhook = try WebhookServer()
        defer { webhook.stop() }
        try schema.connect().execute("UPDATE switchyard_alert_rules SET webhook_url = \(webhook.url)")
        let working = try await Executable.runOffPool(["alerts", "test", "failed-orders"], environment: schema.processEnvironment)
        #expect(working.status == 0 && working.stdout.contains("delivered"), "\(working.stderr)")
        #expect(webhook.messages(state: "test").count == 1)
        let removed = try await Executable.runOffPool(["alerts", "remove", "failed-orders"], environment: schema.processEnvironment)
        #expect(removed.status == 0)
        #expect(try await Executable.runOffPool(["alerts", "remove", "failed-orders"], environment: schema.processEnvironment)
            .stderr.contains("No alert rule is named failed-orders"))
    }
}
