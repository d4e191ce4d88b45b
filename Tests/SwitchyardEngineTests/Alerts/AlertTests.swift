import Foundation
import Testing
@testable import SwitchyardEngine

/// Refuses every order while `refusing` is set (a broker down), accepts otherwise.
final class SwitchableConnector: OrderConnector, @unchecked Sendable {
    // Safe because `refuse` is read and written only under `lock`.
    private let lock = NSLock()
    private var refuse: Bool
    init(refusing: Bool) { refuse = refusing }
    var isDryRun: Bool { true }
    var refusing: Bool {
        get { lock.withLock { refuse } }
        set { lock.withLock { refuse = newValue } }
    }
    func send(_ order: Order) -> OrderResult {
        refusing ? OrderResult(accepted: false, code: 503, message: "test: refused by \(order.account)")
            : OrderResult(accepted: true, code: 200, message: "test: accepted")
    }
}

/// Alert rules against a real server, with real webhook peers on 127.0.0.1 and real programs.
@Suite(.database, .serialized) struct AlertTests {
    /// Fast passes, so the tests wait for passes, not for seconds.
    static func configuration() -> ExecutionRouter.Configuration {
        var configuration = ExecutionRouter.Configuration()
        configuration.pollInterval = .milliseconds(200)
        configuration.alertEvaluation.interval = .milliseconds(200)
        configuration.alertDelivery.interval = .milliseconds(200)
        configuration.alertDelivery.timeout = .seconds(1)
        configuration.alertDelivery.initialBackoff = .milliseconds(200)
        configuration.alertDelivery.maximumBackoff = .milliseconds(500)
        return configuration
    }

    func waitUntil(_ what: String, _ limit: Duration = .seconds(30), _ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while try !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("not reached within \(limit): \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Gives every router's evaluator and delivery several more passes (each pass waits one
    /// 200 ms interval), so a duplicate message would have been sent by now.
    func letEvaluatorsRun(_ connection: PGConnection, passes: Int = 5) async throws {
        try await Task.sleep(for: .milliseconds(200 * passes))
    }

    @Test func twoRoutersFireOnceAndResolveOnceForTheCluster() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let webhook = try WebhookServer()
        defer { webhook.stop() }
        try AlertQueries.add(AlertRuleDefinition(name: "failed-orders", condition: .failedOver(0), severity: .critical,
                                                 target: .webhook(parsing: webhook.url)), actor: "test@host", on: connection)
        let connector = SwitchableConnector(refusing: true)
        let routers = try (0..<2).map { number in
            var configuration = Self.configuration()
            configuration.routerID = "alerts-\(number)"
            return try ExecutionRouter(settings: schema.settings(), configuration: configuration, connector: connector)
        }
        routers.forEach { $0.start() }
        // One attempt each: a refusal makes the task FAILED at once.
        try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 5).filter { $0.eventType == .entry }.map {
            var task = $0
            task.maxAttempts = 1
            return task
        })
        try await waitUntil("one firing message") { webhook.messages(state: "firing").count >= 1 }
        try await waitUntil("the tasks FAILED") {
            try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'FAILED'") == 5
        }
        try await letEvaluatorsRun(connection)
        #expect(webhook.messages(state: "firing").count == 1)
        let firing = try #require(webhook.messages(state: "firing").first)
        #expect(firing["rule"] as? String == "failed-orders")
        #expect(firing["severity"] as? String == "critical")
        #expect(firing["threshold"] as? Double == 0)
        #expect((firing["value"] as? Double ?? 0) >= 1)
        #expect((firing["database"] as? String)?.contains(schema.settings().displayName()) == true)
        #expect((firing["text"] as? String)?.hasPrefix("[CRITICAL] failed-orders firing:") == true)

        // The broker is back; the operator retries the failed tasks from the command line.
        connector.refusing = false
        let retry = try await Executable.runOffPool(["tasks", "retry", "--failed"], environment: schema.processEnvironment)
        #expect(retry.status == 0, "\(retry.stderr)")
        try await waitUntil("one resolved message") { webhook.messages(state: "resolved").count >= 1 }
        try await letEvaluatorsRun(connection)
        for router in routers { await router.stop() }
        #expect(webhook.messages(state: "firing").count == 1)
        #expect(webhook.messages(state: "resolved").count == 1)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_alert_episodes") == 1)
        let events = try AlertQueries.history(on: connection).map(\.event)
        #expect(events.filter { $0 == "fired" }.count == 1 && events.filter { $0 == "resolved" }.count == 1)
        #expect(events.filter { $0 == "delivered" }.count == 2)
        #expect(try AlertQueries.firingCount(on: connection) == 0)
    }

    @Test func quietHoursHoldAWarningUntilTheyEndAndDeliverACritical() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let webhook = try WebhookServer()
        defer { webhook.stop() }
        let now = try connection.execute("SELECT now() AS now").first!.decode("now", as: Date.self)
        // Quiet from an hour before now to an hour after, in UTC (whole minutes).
        let minute = Int(now.timeIntervalSince1970 / 60) % 1440
        let quiet = QuietHours(start: (minute + 1440 - 60) % 1440, end: (minute + 60) % 1440, timeZone: "UTC")
        for (name, severity) in [("quiet-warning", AlertSeverity.warning), ("quiet-critical", .critical)] {
            try AlertQueries.add(AlertRuleDefinition(name: name, condition: .failedOver(0), severity: severity,
                                                     target: .webhook(parsing: webhook.url), quietHours: quiet),
                                 actor: "test@host", on: connection)
        }
        let id = try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 1)[0])
        try connection.execute("UPDATE execution_tasks SET status = 'FAILED' WHERE id = \(id)")
        let evaluator = AlertEvaluator(evaluatorID: "test-router", database: "test")
        var config = AlertDelivery.Config()
        config.timeout = .seconds(2)
        let delivery = AlertDelivery(senderID: "test-router", config: config)

        let report = try evaluator.runOnce(on: connection, now: now)
        #expect(report.fired.sorted() == ["quiet-critical", "quiet-warning"])
        #expect(report.suppressed == ["quiet-warning"])
        #expect(try delivery.runOnce(on: connection).delivered.count == 1)
        #expect(webhook.messages(state: "firing").map { $0["rule"] as? String } == ["quiet-critical"])
        let suppressed = try AlertQueries.history(on: connection, rule: "quiet-warning").filter { $0.event == "suppressed" }
        #expect(suppressed.count == 1 && suppressed[0].detail?.contains("quiet hours") == true)
        #expect(try AlertQueries.firing(on: connection).first { $0.rule == "quiet-warning" }?.heldReason?.contains("quiet hours") == true)

        // Still inside quiet hours: still held.
        #expect(try evaluator.runOnce(on: connection, now: now.addingTimeInterval(1800)).queued.isEmpty)
        // The quiet hours end with the warning still firing: it is delivered then, once.
        let after = try evaluator.runOnce(on: connection, now: now.addingTimeInterval(3 * 3600))
        #expect(after.queued == ["quiet-warning"])
        #expect(try delivery.runOnce(on: connection).delivered.count == 1)
        #expect(try evaluator.runOnce(on: connection, now: now.addingTimeInterval(3 * 3600 + 5)).queued.isEmpty)
        #expect(webhook.messages(state: "firing").compactMap { $0["rule"] as? String }.sorted() == ["quiet-critical", "quiet-warning"])
    }

    @Test func aFailingWebhookIsRecordedAndRetriedUntilItAnswers() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let webhook = try WebhookServer(mode: .answer(500))
        defer { webhook.stop() }
        try AlertQueries.add(AlertRuleDefinition(name: "dead-letters", condition: .deadOver(0), severity: .critical,
                                                 target: .webhook(parsing: webhook.url)), actor: "test@host", on: connection)
        let id = try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 1)[0])
        try connection.execute("UPDATE execution_tasks SET status = 'DEAD' WHERE id = \(id)")
        var config = AlertDelivery.Config()
        config.timeout = .seconds(2)
        config.initialBackoff = .milliseconds(300)
        let delivery = AlertDelivery(senderID: "test-router", config: config)
        try AlertEvaluator(evaluatorID: "test-router", database: "test").runOnce(on: connection)

        #expect(try delivery.runOnce(on: connection).failed.count == 1)
        #expect(webhook.refused == 1)
        let failed = try AlertQueries.history(on: connection).filter { $0.event == "delivery_failed" }
        #expect(failed.count == 1 && failed[0].detail?.contains("HTTP 500") == true)
        // The secret parts of the URL are never recorded.
        #expect(failed[0].detail?.contains("secret-token") == false && failed[0].detail?.contains("hidden") == false)
        #expect(try AlertQueries.firing(on: connection).first?.failingDeliveries == 1)
        // Not due again before the backoff passes.
        #expect(try delivery.runOnce(on: connection) == AlertDelivery.Report())

        webhook.setMode(.answer(200))
        try await Task.sleep(for: .milliseconds(400))
        #expect(try delivery.runOnce(on: connection).delivered.count == 1)
        #expect(webhook.messages(state: "firing").count == 1)
        #expect(try AlertQueries.history(on: connection).first?.detail?.contains("on try 2") == true)
        #expect(try AlertQueries.firing(on: connection).first?.failingDeliveries == 0)
    }

    @Test func routingGoesOnWhileTheWebhookNeverAnswers() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let webhook = try WebhookServer(mode: .silent)
        defer { webhook.stop() }
        try AlertQueries.add(AlertRuleDefinition(name: "dead-letters", condition: .deadOver(0), severity: .critical,
                                                 target: .webhook(parsing: webhook.url)), actor: "test@host", on: connection)
        let queue = TaskQueue(connection: connection)
        let dead = try queue.enqueue(DemoTraffic.trades(count: 1)[0])
        try connection.execute("UPDATE execution_tasks SET status = 'DEAD' WHERE id = \(dead)")
        let router = try ExecutionRouter(settings: schema.settings(), configuration: Self.configuration(),
                                         connector: DryRunConnector())
        router.start()
        defer { router.requestStop() }
        try await waitUntil("the first delivery failed") {
            try connection.count("SELECT count(*) AS n FROM switchyard_alert_history WHERE event = 'delivery_failed'") >= 1
        }
        // While every delivery hangs until its timeout, tasks keep being routed.
        for round in 1...3 {
            try queue.enqueue(DemoTraffic.trades(count: 50, firstNumber: round * 100))
            try await waitUntil("round \(round) routed") {
                try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'SUCCESS'") == round * 100
            }
            #expect(try connection.count("SELECT count(*) AS n FROM switchyard_alert_deliveries WHERE delivered_at IS NOT NULL") == 0)
        }
        let failure = try #require(AlertQueries.history(on: connection).first { $0.event == "delivery_failed" })
        #expect(failure.detail?.contains("no answer within 1s") == true, "\(failure.detail ?? "")")
        // The router's log says so too (its last error, which its log handler prints).
        #expect(router.status.lastError?.hasPrefix("alert dead-letters: Could not post to http://127.0.0.1:") == true,
                "\(router.status.lastError ?? "")")
        // The webhook answers again: the next try delivers.
        webhook.setMode(.answer(200))
        try await waitUntil("delivered after the webhook answered") { webhook.messages(state: "firing").count == 1 }
        await router.stop()
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_alert_history WHERE event = 'delivered'") == 1)
    }

    @Test func aCommandGetsTheMessageOnStandardInput() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("alerts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = folder.appendingPathComponent("page-oncall.sh")
        try "#!/bin/sh\ncat > \"$1\"\n".write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        let output = folder.appendingPathComponent("message.json")
        try AlertQueries.add(AlertRuleDefinition(name: "lagging", condition: .lagOver(seconds: 60), severity: .warning,
                                                 target: .command("\(script.path) \(output.path)")),
                             actor: "test@host", on: connection)
        try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 1)[0])
        let now = try connection.execute("SELECT now() + interval '5 minutes' AS now").first!.decode("now", as: Date.self)
        #expect(try AlertEvaluator(evaluatorID: "test", database: "db").runOnce(on: connection, now: now).queued == ["lagging"])
        #expect(try AlertDelivery(senderID: "test").runOnce(on: connection).delivered.count == 1)
        let message = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: output)) as? [String: Any])
        #expect(message["rule"] as? String == "lagging" && message["state"] as? String == "firing")
        #expect(message["condition"] as? String == "lag-over" && message["threshold"] as? Double == 60)
        #expect((message["value"] as? Double ?? 0) >= 299)

        // A program that fails is a failed delivery, with what it said.
        try AlertQueries.add(AlertRuleDefinition(name: "broken", condition: .lagOver(seconds: 60),
                                                 target: .command("echo 'pager offline' >&2; exit 3")),
                             actor: "test@host", on: connection)
        try AlertEvaluator(evaluatorID: "test", database: "db").runOnce(on: connection, now: now)
        #expect(try AlertDelivery(senderID: "test").runOnce(on: connection).failed.count == 1)
        let failure = try #require(AlertQueries.history(on: connection, rule: "broken").first { $0.event == "delivery_failed" })
        #expect(failure.detail?.contains("exited with status 3: pager offline") == true, "\(failure.detail ?? "")")
    }

    @Test func accountRejectionsNameTheAccountAndRateUsesTheWindow() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try AlertQueries.add(AlertRuleDefinition(name: "refusals", condition: .accountRefusalsOver(2, windowMinutes: 10),
                                                 target: .command("true")), actor: "test@host", on: connection)
        try AlertQueries.add(AlertRuleDefinition(name: "failure-rate", condition: .failureRateOver(percent: 50, windowMinutes: 5),
                                                 target: .command("true")), actor: "test@host", on: connection)
        let id = try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 1)[0])
        // Audit rows as a router writes them: three refusals by each of two accounts, two successes.
        try connection.execute("""
            INSERT INTO execution_logs (task_id, status, event, account)
            SELECT \(id), s, 'ATTEMPT', a FROM (VALUES ('FAILED', 'apex-1'), ('FAILED', 'apex-1'), ('FAILED', 'apex-1'),
                                                       ('FAILED', 'topstep-2'), ('FAILED', 'topstep-2'), ('FAILED', 'topstep-2'),
                                                       ('SUCCESS', 'topstep-2'), ('SUCCESS', 'ftmo-3')) AS v(s, a)
            """)
        let evaluator = AlertEvaluator(evaluatorID: "test", database: "db")
        let report = try evaluator.runOnce(on: connection)
        #expect(report.fired.sorted() == ["failure-rate", "refusals/apex-1", "refusals/topstep-2"])
        // One message per account, all sent in one pass (only an episode's own messages wait on each other).
        #expect(try AlertDelivery(senderID: "test").runOnce(on: connection).delivered.count == 3)
        let firing = try AlertQueries.firing(on: connection)
        #expect(firing.first { $0.rule == "refusals" }?.account == "apex-1")
        #expect(firing.first { $0.rule == "failure-rate" }?.value == 75)
        // Eleven minutes later the window no longer holds them: both resolve.
        let later = try connection.execute("SELECT now() + interval '11 minutes' AS t").first!.decode("t", as: Date.self)
        #expect(try evaluator.runOnce(on: connection, now: later).resolved.sorted()
            == ["failure-rate", "refusals/apex-1", "refusals/topstep-2"])
    }

    @Test func noRouterForCountsFromTheLastLiveRouter() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try AlertQueries.add(AlertRuleDefinition(name: "no-router", condition: .noRouterFor(seconds: 60), severity: .critical,
                                                 target: .command("true")), actor: "test@host", on: connection)
        try connection.execute("""
            INSERT INTO switchyard_routers (id, host, pid, started_at, heartbeat_at, live_until, dry_run)
            VALUES ('r1', 'h', 1, now(), now(), now() + interval '10 seconds', true)
            """)
        let evaluator = AlertEvaluator(evaluatorID: "test", database: "db")
        #expect(try evaluator.runOnce(on: connection).fired.isEmpty)
        let soon = try connection.execute("SELECT now() + interval '30 seconds' AS t").first!.decode("t", as: Date.self)
        #expect(try evaluator.runOnce(on: connection, now: soon).fired.isEmpty)
        let later = try connection.execute("SELECT now() + interval '2 minutes' AS t").first!.decode("t", as: Date.self)
        #expect(try evaluator.runOnce(on: connection, now: later).fired == ["no-router"])
    }

    @Test func historyIsAppendOnlyAndRemovingKeepsIt() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try AlertQueries.add(AlertRuleDefinition(name: "r", condition: .failedOver(0), target: .command("true")),
                             actor: "alice@desk", on: connection)
        try AlertQueries.remove(name: "r", actor: "bob@desk", on: connection)
        #expect(throws: AlertRuleNotFound.self) { try AlertQueries.remove(name: "r", actor: "bob@desk", on: connection) }
        let history = try AlertQueries.history(on: connection)
        #expect(history.map(\.event) == ["rule_removed", "rule_added"])
        #expect(history.map(\.actor) == ["bob@desk", "alice@desk"])
        #expect(throws: DatabaseError.self) { try connection.execute("DELETE FROM switchyard_alert_history") }
        #expect(throws: DatabaseError.self) { try connection.execute("UPDATE switchyard_alert_history SET event = 'x'") }
        // The name is free again, and the old rule's row stays.
        try AlertQueries.add(AlertRuleDefinition(name: "r", condition: .failedOver(1), target: .command("true")),
                             actor: "alice@desk", on: connection)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_alert_rules WHERE name = 'r'") == 2)
    }

    @Test func webhookURLsAreShownWithoutTheirSecrets() throws {
        let target = try AlertTarget.webhook(parsing: "https://user:pw@hooks.slack.com/services/T0/B0/XXXX?token=abc")
        #expect(target.redacted == "https://hooks.slack.com/…")
        #expect(try AlertTarget.webhook(parsing: "http://127.0.0.1:9000").redacted == "http://127.0.0.1:9000/")
        #expect(AlertTarget.command("/usr/local/bin/page --token s3cret").redacted == "command /usr/local/bin/page …")
        #expect(throws: ConfigurationError.self) { try AlertTarget.webhook(parsing: "ftp://x/y") }
        #expect(throws: ConfigurationError.self) { try AlertTarget.webhook(parsing: "not a url") }
        #expect(try QuietHours(parsing: "22:00-07:00", timeZone: "UTC") == QuietHours(start: 1320, end: 420, timeZone: "UTC"))
        #expect(throws: ConfigurationError.self) { try QuietHours(parsing: "25:00-07:00", timeZone: "UTC") }
    }
}
