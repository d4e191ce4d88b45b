import CoreMetrics
import Foundation
import Prometheus
import SwitchyardTestSupport
import Testing
@testable import SwitchyardEngine
@testable import SwitchyardMetrics
import SwitchyardHTTP

/// `--metrics-listen`: /metrics checked by promtool and scraped by a real Prometheus, /healthz
/// against a database that goes down and comes back, and the example rules, scrape config and
/// systemd unit checked by their own tools.
@Suite(.serialized) struct MetricsEndpointTests {
    static let resources = Executable.packageRoot.appendingPathComponent("Resources")

    /// The value of one series (`name{labels}` exactly as exposed) in a text exposition.
    func sample(_ exposition: String, _ series: String) -> Double? {
        exposition.split(separator: "\n").first { $0.hasPrefix(series + " ") }
            .flatMap { Double($0.split(separator: " ").last!) }
    }

    /// `promtool check metrics` on an exposition (it reads standard input).
    func checkMetrics(_ exposition: String) throws -> (status: Int32, output: String) {
        let file = NSTemporaryDirectory() + "switchyard-metrics-\(UInt32.random(in: 0...UInt32.max)).txt"
        try exposition.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try ChildProcess.run(["sh", "-c", "promtool check metrics < \"$0\"", file])
    }

    func waitUntil(_ limit: Duration = .seconds(30), _ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while try await !condition() {
            guard ContinuousClock.now < deadline else { Issue.record("\(what): not within \(limit)"); return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    // MARK: Without a database

    @Test func listenAddressesParseOrSayWhatIsWrong() throws {
        #expect(try ListenAddress(parsing: "127.0.0.1:9464") == ListenAddress(host: .ipv4("127.0.0.1"), port: 9464))
        #expect(try ListenAddress(parsing: "*:9464") == ListenAddress(host: .ipv4("0.0.0.0"), port: 9464))
        #expect(try ListenAddress(parsing: "localhost:0") == ListenAddress(host: .ipv4("127.0.0.1"), port: 0))
        #expect(try ListenAddress(parsing: "[::1]:9464") == ListenAddress(host: .ipv6("::1"), port: 9464))
        #expect(try ListenAddress(parsing: "[::1]:9464").description == "[::1]:9464")
        #expect(throws: ListenAddressError.self) { try ListenAddress(parsing: "9464") }
        #expect(throws: ListenAddressError.self) { try ListenAddress(parsing: "127.0.0.1:99999") }
        #expect(throws: ListenAddressError.self) { try ListenAddress(parsing: "metrics.example.com:9464") }
        #expect(throws: ListenAddressError.self) { try ListenAddress(parsing: "[not-v6]:9464") }
        do {
            _ = try ListenAddress(parsing: "127.0.0.1:http")
            Issue.record("a named port was accepted")
        } catch let error as ListenAddressError {
            #expect(error.description.contains("is not a port"))
        }
    }

    @Test func promtoolAcceptsTheExampleRulesTheirUnitTestsAndTheScrapeConfig() throws {
        let folder = Self.resources.appendingPathComponent("prometheus").path
        let rules = try promtool(["check", "rules", folder + "/switchyard-rules.yml"])
        #expect(rules.status == 0, "\(rules.output)")
        #expect(rules.output.contains("SUCCESS: 7 rules found"), "\(rules.output)")
        // Each rule fires on the series it is meant for, with the text operators will read.
        let tested = try ChildProcess.run(["sh", "-c", "cd \"$0\" && promtool test rules switchyard-rules.test.yml", folder])
        #expect(tested.status == 0, "\(tested.output)")
        let config = try promtool(["check", "config", folder + "/prometheus.yml"])
        #expect(config.status == 0, "\(config.output)")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"), "needs systemd-analyze"))
    func theSystemdUnitVerifies() throws {
        let unit = try String(contentsOf: Self.resources.appendingPathComponent("systemd/switchyard-router.service"), encoding: .utf8)
        for line in ["Restart=on-failure", "User=switchyard", "EnvironmentFile=/etc/switchyard/router.env",
                     "NoNewPrivileges=yes", "ProtectSystem=strict", "--metrics-listen 127.0.0.1:9464"] {
            #expect(unit.contains(line), "the unit lacks \(line)")
        }
        #expect(!unit.contains("--database-url"), "the URL, with its password, belongs in the environment file")
        // verify checks that ExecStart's program exists: point it at the one just built.
        let copy = NSTemporaryDirectory() + "switchyard-router-\(UInt32.random(in: 0...UInt32.max)).service"
        try unit.replacingOccurrences(of: "/usr/local/bin/switchyard", with: Executable.path)
            .write(toFile: copy, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let verified = try ChildProcess.run(["systemd-analyze", "verify", copy])
        #expect(verified.status == 0, "\(verified.output)")
    }

    @Test func aBadOrTakenAddressIsAClearErrorBeforeAnythingIsClaimed() async throws {
        let bad = try Executable.run(["router", "--metrics-listen", "metrics.example.com:9464"],
                                     environment: ProcessInfo.processInfo.environment)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--metrics-listen: `metrics.example.com` in `metrics.example.com:9464` is not an IP address"),
                "\(bad.stderr)")
        let observer = try Executable.run(["monitor", "--read-only", "--metrics-listen", "127.0.0.1:0"],
                                          environment: ProcessInfo.processInfo.environment)
        #expect(observer.status != 0)
        #expect(observer.stderr.contains("an observer (--read-only) runs no router"), "\(observer.stderr)")

        // A port another server holds: in process, then the command line.
        let first = MetricsServer(settings: ConnectionSettings(conninfo: "host=/nonexistent"), registry: PrometheusCollectorRegistry(),
                                  configuration: .init(address: try ListenAddress(parsing: "127.0.0.1:0")), router: { .noRouter })
        let bound = try await first.start()
        let second = MetricsServer(settings: ConnectionSettings(conninfo: "host=/nonexistent"), registry: PrometheusCollectorRegistry(),
                                   configuration: .init(address: bound), router: { .noRouter })
        do {
            try await second.start()
            Issue.record("a second server listened on \(bound)")
        } catch let error as MetricsServerError {
            #expect(error.description == "Cannot listen on \(bound) for metrics: the port is already in use (another process has it).")
        }
        guard TestDatabase.available else { await first.stop(); return }
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 5))
        let taken = try Executable.run(["router", "--exit-when-idle", "--metrics-listen", "\(bound)"],
                                       environment: schema.processEnvironment)
        await first.stop()
        #expect(taken.status == 1)
        #expect(taken.stderr.contains("the port is already in use (another process has it). Choose another --metrics-listen."),
                "\(taken.stderr)")
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE attempts > 0") == 0)
    }

    // MARK: With the test database

    @Test(.database) func metricsCountTheRoutersWorkAndPassPromtool() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        // 10 trades, two of them with an ENTRY no account can take (FAILED at once).
        try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 10, malformedShare: 0.2))
        let factory = PrometheusFactory()
        var configuration = ExecutionRouter.Configuration()
        configuration.exitWhenIdle = true
        configuration.pollInterval = .milliseconds(200)
        configuration.metricsFactory = factory
        let router = try ExecutionRouter(settings: schema.settings(), configuration: configuration)
        let server = MetricsServer(settings: schema.settings(), registry: factory.registry,
                                   configuration: .init(address: try ListenAddress(parsing: "127.0.0.1:0"))) { .of(router) }
        let address = try await server.start()
        let starting = try await LoopbackHTTP.get("http://\(address)/healthz")
        #expect(starting.status == 503)
        #expect(starting.body.contains("router: router \(router.routerID) is stopped"), "\(starting.body)")
        router.start()
        await router.waitUntilStopped()
        let metrics = try await LoopbackHTTP.get("http://\(address)/metrics")
        await server.stop()
        #expect(metrics.status == 200)
        let body = metrics.body
        let checked = try checkMetrics(body)
        #expect(checked.status == 0, "promtool: \(checked.output)\n\(body)")

        let database = try connection.execute("SELECT status, count(*)::int AS n FROM execution_tasks GROUP BY status").rows
            .reduce(into: [String: Int]()) { $0[try $1.decode("status", as: String.self)] = try $1.decode("n", as: Int.self) }
        #expect(database["FAILED"] == 2 && database["SUCCESS"] == 18, "\(database)")
        for status in TaskStatus.known {
            #expect(sample(body, "switchyard_tasks{status=\"\(status.rawValue)\"}") == Double(database[status.rawValue] ?? 0),
                    "\(status)")
        }
        #expect(sample(body, "switchyard_tasks_claimed_total") == 20)
        #expect(sample(body, "switchyard_task_attempts_finished_total{status=\"SUCCESS\"}") == 18)
        #expect(sample(body, "switchyard_task_attempts_finished_total{status=\"FAILED\"}") == 2)
        #expect(sample(body, "switchyard_tasks_in_flight") == 0)
        #expect(sample(body, "switchyard_database_up") == 1)
        #expect(sample(body, "switchyard_queue_lag_seconds") == 0)
        // The router marked itself stopped on its way out.
        #expect(sample(body, "switchyard_routers_live") == 0)
        // No alert rule in this schema: the gauge is there, at 0.
        #expect(sample(body, "switchyard_alerts_firing") == 0)
        // Per account: what the audit trail holds, and one duration per order sent.
        let accounts = try connection.execute("""
            SELECT account, status, count(*)::int AS n FROM execution_logs
            WHERE event = 'ATTEMPT' AND account IS NOT NULL GROUP BY account, status
            """).rows
        #expect(!accounts.isEmpty)
        for row in accounts {
            let account: String = try row.decode("account"), status: String = try row.decode("status")
            #expect(sample(body, "switchyard_attempts_total{account=\"\(account)\",outcome=\"\(status)\"}")
                    == Double(try row.decode("n", as: Int.self)), "\(account) \(status)")
        }
        let sent = try connection.count("""
            SELECT count(*) AS n FROM execution_logs WHERE event = 'ATTEMPT' AND account = 'apex-eval-1' AND duration_ms IS NOT NULL
            """)
        #expect(sent > 0)
        #expect(sample(body, "switchyard_attempt_duration_seconds_count{account=\"apex-eval-1\"}") == Double(sent))
        #expect(!body.contains("task_id"), "no task ids in labels")
    }

    @Test(.database) func aRealPrometheusScrapesARouterAndReturnsTheDatabasesCounts() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let queue = TaskQueue(connection: connection)
        try queue.enqueue(DemoTraffic.trades(count: 20, malformedShare: 0.1))
        // Three more held by an operator: never claimed.
        try queue.enqueue(DemoTraffic.trades(count: 3, firstNumber: 100).filter { $0.eventType == .entry })
        try connection.execute("UPDATE execution_tasks SET status = 'HELD' WHERE trade_id IN (SELECT trade_id FROM execution_tasks ORDER BY id DESC LIMIT 3)")
        let port = try LoopbackHTTP.freePort()
        let (router, _, routerErr) = try Executable.start(
            ["router", "--metrics-listen", "127.0.0.1:\(port)", "--poll-interval", "0.5", "--router-id", "scraped"],
            environment: schema.processEnvironment)
        defer {
            if router.isRunning { router.terminate() }
            router.waitUntilExit()
        }
        try connection.waitForAny("""
            SELECT (count(*) FILTER (WHERE status IN ('PENDING', 'RUNNING', 'RETRYING')) = 0)::int AS n FROM execution_tasks
            """, timeout: 60)
        let prometheus = try PrometheusServer(targets: ["127.0.0.1:\(port)"])
        defer { prometheus.stop() }
        try await prometheus.waitUntilReady()

        let database = try connection.execute("SELECT status, count(*)::int AS n FROM execution_tasks GROUP BY status").rows
            .reduce(into: [String: Double]()) { $0[try $1.decode("status", as: String.self)] = Double(try $1.decode("n", as: Int.self)) }
        #expect(database["HELD"] == 3 && database["FAILED"] == 2, "\(database)")
        let expected = Dictionary(uniqueKeysWithValues: TaskStatus.known.map { ($0.rawValue, database[$0.rawValue] ?? 0) })
        var seen: [String: Double] = [:]
        try await waitUntil(.seconds(30), "Prometheus has the database's counts") {
            seen = Dictionary(try await prometheus.query("switchyard_tasks{job=\"switchyard\"}").map { ($0.labels["status"] ?? "?", $0.value) },
                              uniquingKeysWith: { $1 })
            return seen == expected
        }
        #expect(seen == expected, "Prometheus: \(seen), database: \(expected)\n\(prometheus.log)")
        #expect(try await prometheus.query("up{job=\"switchyard\"}").first?.value == 1)
        #expect(try await prometheus.query("switchyard_routers_live").first?.value == 1)
        let succeeded = try connection.count("SELECT count(*) AS n FROM execution_logs WHERE event = 'ATTEMPT' AND status = 'SUCCESS' AND account IS NOT NULL")
        #expect(try await prometheus.query("sum(switchyard_attempts_total{outcome=\"SUCCESS\"})").first?.value == Double(succeeded))
        // One claim per attempt; the held tasks were never claimed.
        let attempts = try connection.count("SELECT sum(attempts)::int AS n FROM execution_tasks")
        #expect(attempts == 40)
        #expect(try await prometheus.query("switchyard_tasks_claimed_total").first?.value == Double(attempts))

        let body = try await LoopbackHTTP.get("http://127.0.0.1:\(port)/metrics").body
        let checked = try checkMetrics(body)
        #expect(checked.status == 0, "promtool: \(checked.output)")
        router.terminate()
        router.waitUntilExit()
        #expect(router.terminationStatus == 0, "\(String(decoding: routerErr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
    }

    @Test(.database) func theDashboardInOperatorModeServesItsEmbeddedRoutersMetrics() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 5))
        let port = try LoopbackHTTP.freePort()
        var environment = schema.processEnvironment
        environment["LANG"] = "C.UTF-8"
        let tmux = try TmuxSession(command: [Executable.path, "monitor", "--refresh", "0.5", "--metrics-listen", "127.0.0.1:\(port)"],
                                   environment: environment.filter { ["DATABASE_URL", "LANG"].contains($0.key) })
        defer { tmux.close() }
        _ = try tmux.waitFor("OPERATOR")
        try connection.waitForAny("SELECT (count(*) = 10)::int AS n FROM execution_tasks WHERE status = 'SUCCESS'")
        let health = try await LoopbackHTTP.get("http://127.0.0.1:\(port)/healthz")
        #expect(health.status == 200 && health.body.contains("running"), "\(health.body)")
        var body = ""
        try await waitUntil(.seconds(10), "the dashboard's metrics count its router's claims") {
            body = try await LoopbackHTTP.get("http://127.0.0.1:\(port)/metrics").body
            return sample(body, "switchyard_tasks_claimed_total") == 10
        }
        #expect(sample(body, "switchyard_tasks_claimed_total") == 10, "\(body)")
        try tmux.send("q")
        let exit = try tmux.waitForExit()
        #expect(exit.status == 0, "\(exit.screen)")
        // The port is closed with the dashboard.
        await #expect(throws: (any Error).self) { _ = try await LoopbackHTTP.get("http://127.0.0.1:\(port)/healthz", timeout: 2) }
    }

    /// Every process of a private cluster: its postmaster and the postmaster's children.
    func clusterProcesses(_ directory: String) throws -> [pid_t] {
        let home = (try? String(contentsOfFile: directory + "/location", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? directory
        let lines = try String(contentsOfFile: home + "/data/postmaster.pid", encoding: .utf8).split(separator: "\n")
        let postmaster = try #require(lines.first.flatMap { pid_t($0) })
        let children = try ChildProcess.run(["ps", "-o", "pid=", "--ppid", "\(postmaster)"]).output
        return [postmaster] + children.split(whereSeparator: \.isWhitespace).compactMap { pid_t($0) }
    }

    /// `switchyard router --metrics-listen` on a free port and a private, migrated cluster of its
    /// own, once its /healthz says 200; `close()` stops the router and removes the cluster.
    final class RouterOnPrivateServer {
        let directory: String
        let port: UInt16
        let router: Process
        var health: String { "http://127.0.0.1:\(port)/healthz" }
        var metrics: String { "http://127.0.0.1:\(port)/metrics" }

        init(_ prefix: String, test: MetricsEndpointTests) async throws {
            let environment: [String: String]
            (directory, _, environment) = try PrivateServer.startMigrated(prefix)
            port = try LoopbackHTTP.freePort()
            (router, _, _) = try Executable.start(["router", "--metrics-listen", "127.0.0.1:\(port)", "--poll-interval", "0.5"],
                                                  environment: environment)
            let health = self.health
            try await test.waitUntil(.seconds(30), "healthy at start") {
                (try? await LoopbackHTTP.get(health, timeout: 5))?.status == 200
            }
        }

        func close() {
            if router.isRunning { router.terminate() }
            router.waitUntilExit()
            _ = try? PrivateServer.pg("destroy", directory)
        }
    }

    @Test(.database) func healthzAnswersWithinItsTimeoutWhileTheDatabaseHangs() async throws {
        let peer = try await RouterOnPrivateServer("hang", test: self)
        defer { peer.close() }
        let (directory, health) = (peer.directory, peer.health)
        var last = try await LoopbackHTTP.get(health, timeout: 5)
        // The server stops answering without closing anything: every one of its processes stopped.
        let frozen = try clusterProcesses(directory)
        frozen.forEach { kill($0, SIGSTOP) }
        defer { frozen.forEach { kill($0, SIGCONT) } }
        try await waitUntil(.seconds(20), "503 while the database hangs") {
            last = try await LoopbackHTTP.get(health, timeout: 5)
            return last.status == 503
        }
        #expect(last.body == "unhealthy: database: no answer within 2s\n", "\(last.body)")
        let metrics = try await LoopbackHTTP.get(peer.metrics, timeout: 5)
        #expect(metrics.status == 200)
        #expect(sample(metrics.body, "switchyard_database_up") == 0, "\(metrics.body)")
        frozen.forEach { kill($0, SIGCONT) }
        try await waitUntil(.seconds(30), "200 once the database answers again") {
            last = try await LoopbackHTTP.get(health, timeout: 5)
            return last.status == 200
        }
        #expect(last.status == 200, "\(last.body)")
    }

    @Test(.database) func healthzSays503WhileTheDatabaseIsDownAnd200WhenItIsBack() async throws {
        let peer = try await RouterOnPrivateServer("healthz", test: self)
        defer { peer.close() }
        let (directory, health) = (peer.directory, peer.health)
        var last = try await LoopbackHTTP.get(health, timeout: 5)
        #expect(last.status == 200 && last.body.hasPrefix("ok: database answers; router "), "\(last.body)")

        try PrivateServer.pg("stop", directory)
        // Every answer comes within the request's 5 s limit (a hung check would throw here).
        try await waitUntil(.seconds(30), "503 with the database down") {
            last = try await LoopbackHTTP.get(health, timeout: 5)
            return last.status == 503
        }
        #expect(last.status == 503 && last.body.hasPrefix("unhealthy: database: "), "\(last.body)")
        let metrics = try await LoopbackHTTP.get(peer.metrics, timeout: 5)
        #expect(metrics.status == 200)
        #expect(sample(metrics.body, "switchyard_database_up") == 0, "\(metrics.body)")
        #expect(sample(metrics.body, "switchyard_tasks{status=\"PENDING\"}") == nil)

        try PrivateServer.pg("start", directory)
        try await waitUntil(.seconds(30), "200 with the database back") {
            last = try await LoopbackHTTP.get(health, timeout: 5)
            return last.status == 200
        }
        #expect(last.status == 200, "\(last.body)")
        // The gauges' connection comes back after its reconnect backoff (at most 2 s).
        var back = LoopbackHTTP.Response(status: 0, body: "")
        try await waitUntil(.seconds(30), "the database gauges back") {
            back = try await LoopbackHTTP.get(peer.metrics, timeout: 5)
            return sample(back.body, "switchyard_database_up") == 1
        }
        #expect(sample(back.body, "switchyard_tasks{status=\"PENDING\"}") == 0, "\(back.body)")
    }
}
