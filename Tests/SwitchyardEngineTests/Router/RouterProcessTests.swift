import Foundation
import Testing
@testable import SwitchyardEngine

/// The built `switchyard` binary as operators run it: several router processes, signals, kill -9.
@Suite(.database, .serialized) struct RouterProcessTests {
    func waitUntil(_ limit: Duration = .seconds(30), _ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while try !condition() {
            guard ContinuousClock.now < deadline else { Issue.record("condition not reached within \(limit)"); return }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func stderr(_ pipe: Pipe) -> String {
        String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    /// 10,000 trades: 20,000 tasks, an ENTRY and its EXIT each.
    static let trades = 10_000

    @Test func fourRoutersDrainEntryExitPairsWithOneAcceptancePerAccount() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let queue = TaskQueue(connection: connection)
        for chunk in stride(from: 0, to: Self.trades, by: 2500) {
            try queue.enqueue(DemoTraffic.trades(count: min(2500, Self.trades - chunk), firstNumber: chunk))
        }
        let routers = try (0..<4).map { number in
            // Two of them run two claim loops each (one writes back while the other claims).
            try Executable.start(["router", "--exit-when-idle", "--router-id", "drain-\(number)", "--poll-interval", "0.5",
                                  "--batch-size", "50", "--claim-loops", number < 2 ? "2" : "1"],
                                 environment: schema.processEnvironment)
        }
        for (process, _, err) in routers {
            let status = try await waitForExit(process.self)
            let log = stderr(err)
            #expect(status == 0, "\(log)")
            #expect(!log.contains("error:"), "\(log)")
        }
        let tasks = Self.trades * 2
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'SUCCESS'") == tasks)
        // The demo accounts: three enabled, each taking every synthetic ENTRY and closing it on EXIT.
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs WHERE event = 'ATTEMPT' AND status = 'SUCCESS' AND account IS NOT NULL") == tasks * 3)
        #expect(try connection.count("SELECT count(DISTINCT (task_id, account)) AS n FROM execution_logs WHERE event = 'ATTEMPT' AND status = 'SUCCESS' AND account IS NOT NULL") == tasks * 3)
        #expect(try connection.count("""
            SELECT count(*) AS n FROM execution_tasks x JOIN execution_tasks e ON e.trade_id = x.trade_id AND e.event_type = 'ENTRY'
            WHERE x.event_type = 'EXIT' AND x.last_attempt_at::timestamptz < e.finished_at - interval '1 millisecond'
            """) == 0)
        // An EXIT claimed before its ENTRY was written back would have found no accepted account
        // to close and logged "Nothing to close"; and no task needed a second attempt.
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs WHERE response_body LIKE 'Nothing to close%'") == 0)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE attempts <> 1") == 0)
        // Every router did a share of the work.
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_routers WHERE processed > 0 AND stopped_at IS NOT NULL") == 4)
    }

    @Test func aKilledRoutersTasksAreRecoveredAfterTheLeaseWithoutASecondOrder() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 40))
        // Slow orders, one at a time, small batches: the victim writes a few batches back, then is
        // killed inside the next one. 100 ms an order keeps it busy for about 20 s, so the wait
        // below sees a batch in flight even when a loaded suite starves its polling for seconds
        // (with 20 ms the victim sometimes finished everything unseen).
        let (victim, _, _) = try Executable.start(
            ["router", "--router-id", "victim", "--lease", "2s", "--latency", "100ms", "--concurrency", "1", "--batch-size", "5"],
            environment: schema.processEnvironment)
        try await waitUntil {
            try connection.count("SELECT count(*) AS n FROM execution_logs WHERE router_id = 'victim'") >= 30
                && connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'RUNNING' AND locked_by = 'victim'") > 0
        }
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        let held = try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'RUNNING' AND locked_by = 'victim'")
        let finishedByVictim = try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'SUCCESS'")
        #expect(held > 0 && finishedByVictim > 0)
        let (rescuer, _, err) = try Executable.start(["router", "--router-id", "rescuer", "--exit-when-idle", "--lease", "2"],
                                                     environment: schema.processEnvironment)
        let status = try await waitForExit(rescuer)
        let log = stderr(err)
        #expect(status == 0, "\(log)")
        #expect(!log.contains("already recorded"), "\(log)")
        // No task lost; the victim's held tasks were taken back after its lease, logged with its id.
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'SUCCESS'") == 80)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs WHERE event = 'RECOVERED' AND router_id = 'victim' AND actor = 'rescuer'") == held)
        // One accepted order per account and task, and none re-sent where the victim had recorded an acceptance.
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs WHERE event = 'ATTEMPT' AND status = 'SUCCESS' AND account IS NOT NULL") == 80 * 3)
        #expect(try connection.count("""
            SELECT count(*) AS n FROM execution_logs AS r JOIN execution_logs AS v ON v.task_id = r.task_id AND v.account = r.account
            WHERE v.router_id = 'victim' AND v.status = 'SUCCESS' AND r.router_id = 'rescuer'
            """) == 0)
    }

    /// Runs `switchyard` under libfaketime with its clock `skew` off ("+60s"); the monotonic clock
    /// stays true, as it does when NTP steps a wall clock.
    static func skewed(_ skew: String) -> [String] {
        ["/usr/bin/faketime", "-f", skew]
    }

    @Test func routersWhoseClocksDisagreeNeverTakeEachOthersTasks() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/faketime"), "install faketime (scripts/install-deps.sh)")
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let actions = RouterSwitches(connection: connection)
        // Held back until all three routers run, so each gets a share.
        try actions.perform(.pauseRouter(reason: "test start"), actor: "test@host")
        try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 30))
        var environment = schema.processEnvironment
        environment["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
        // Slow orders (3 accounts x 150 ms a task, two at a time, six a batch): every batch
        // outlives the one-second lease, which only the heartbeat keeps alive.
        let common = ["router", "--exit-when-idle", "--lease", "1", "--latency-ms", "150", "--concurrency", "2",
                      "--batch-size", "6", "--fixed-batch-size", "--poll-interval", "0.2"]
        let clocks: [(id: String, skew: String?)] = [("true-clock", nil), ("ahead", "+60s"), ("behind", "-60s")]
        let started = Date()
        let routers = try clocks.map { clock in
            try Executable.start(common + ["--router-id", clock.id], environment: environment,
                                 launcher: clock.skew.map(Self.skewed) ?? [])
        }
        try await waitUntil {
            try connection.count("SELECT count(*) AS n FROM switchyard_routers WHERE stopped_at IS NULL") == 3
        }
        try actions.perform(.resumeRouter, actor: "test@host")
        var logs: [String: String] = [:]
        for (clock, (process, _, err)) in zip(clocks, routers) {
            let status = try await waitForExit(process)
            logs[clock.id] = stderr(err)
            #expect(status == 0, "\(clock.id): \(logs[clock.id] ?? "")")
        }
        // The skew was real: each router's log lines carry its own clock's time.
        for (id, expected) in [("true-clock", 0.0), ("ahead", 60), ("behind", -60)] {
            let first = logs[id]?.split(separator: " ").first.map(String.init) ?? ""
            let logged = try #require(ISO8601DateFormatter().date(from: first), "\(id): \(logs[id] ?? "")")
            #expect(abs(logged.timeIntervalSince(started) - expected) < 15, "\(id) logged \(first)")
        }
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status <> 'SUCCESS'") == 0)
        // Nothing was taken back from a living router, nothing attempted twice.
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs WHERE event = 'RECOVERED'") == 0)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE attempts <> 1") == 0)
        #expect(try connection.count("""
            SELECT count(*) AS n FROM (SELECT task_id, account FROM execution_logs WHERE event = 'ATTEMPT' AND account IS NOT NULL
                                       GROUP BY 1, 2 HAVING count(*) > 1) AS twice
            """) == 0)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_routers WHERE processed > 0") == 3)
    }

    @Test func aRouterKilledWithSIGKILLStopsCountingAsLiveWhenItsLeaseEnds() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let environment = schema.processEnvironment
        func noRouter() throws -> Executable.Output {
            try Executable.run(["stats", "--fail-if-no-router"], environment: environment)
        }
        let (router, _, _) = try Executable.start(["router", "--router-id", "doomed", "--lease", "2"], environment: environment)
        try await waitUntil { try noRouter().status == 0 }
        kill(router.processIdentifier, SIGKILL)
        router.waitUntilExit()
        // Never marked stopped, but its heartbeat's promise runs out with its lease.
        var output = try noRouter()
        let deadline = ContinuousClock.now + .seconds(30)
        while output.status == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            output = try noRouter()
        }
        #expect(output.status == 2, "\(output.stderr)")
        #expect(output.stderr.contains("--fail-if-no-router: no live router"), "\(output.stderr)")
        #expect(try schema.connect().count("SELECT count(*) AS n FROM switchyard_routers WHERE id = 'doomed' AND stopped_at IS NULL") == 1)
    }

    @Test(arguments: [SIGTERM, SIGHUP, SIGINT])
    func aSignalStopsTheRouterWithNothingLeftRunning(signal: Int32) async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 100))
        let (router, _, err) = try Executable.start(["router", "--latency-ms", "10", "--concurrency", "2"],
                                                    environment: schema.processEnvironment)
        try await waitUntil { try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'RUNNING'") > 0 }
        kill(router.processIdentifier, signal)
        let status = try await waitForExit(router)
        let log = stderr(err)
        #expect(status == 0, "\(log)")
        #expect(log.contains("received SIG"), "\(log)")
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'RUNNING'") == 0)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'PENDING'") > 0)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_routers WHERE stopped_at IS NOT NULL AND in_flight = 0") == 1)
    }

    @Test func enqueueChecksPayloadsAndTasksCommandsReportWrongStates() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let environment = schema.processEnvironment
        let good = try Executable.run(["enqueue", "--trade-id", "ES-1", "--event-type", "ENTRY", "--payload", TaskQueueTests.entryJSON],
                                      environment: environment)
        #expect(good.status == 0 && good.stdout.contains("Enqueued task 1."), "\(good.stderr)")
        let bad = try Executable.run(["enqueue", "--trade-id", "ES-2", "--event-type", "ENTRY",
                                      "--payload", #"{"kind":"ENTRY","direction":"LONG","entry_price":1}"#], environment: environment)
        #expect(bad.status != 0 && bad.stderr.contains("stop_loss is missing"))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tasks-\(schema.name).jsonl")
        try """
            {"trade_id":"NQ-1","event_type":"ENTRY","payload":\(TaskQueueTests.entryJSON)}
            {"trade_id":"NQ-1","event_type":"EXIT","payload":\(TaskQueueTests.exitJSON)}
            """.write(to: file, atomically: true, encoding: .utf8)
        let fromFile = try Executable.run(["enqueue", "--file", file.path], environment: environment)
        #expect(fromFile.status == 0 && fromFile.stdout.contains("Enqueued 2 tasks"), "\(fromFile.stderr)")
        let hold = try Executable.run(["tasks", "hold", "1"], environment: environment)
        #expect(hold.status == 0 && hold.stdout.contains("Held 1 task"), "\(hold.stderr)")
        let holdAgain = try Executable.run(["tasks", "hold", "1"], environment: environment)
        #expect(holdAgain.status == 1 && holdAgain.stderr.contains("it is HELD"), "\(holdAgain.stderr)")
        let show = try Executable.run(["tasks", "show", "1"], environment: environment)
        #expect(show.stdout.contains("HELD") && show.stdout.contains("entry_price"), "\(show.stderr)")
        let total = try schema.connect().execute("SELECT count(*) AS n FROM execution_tasks").first!.decode("n", as: Int.self)
        #expect(total == 3)
    }
}
