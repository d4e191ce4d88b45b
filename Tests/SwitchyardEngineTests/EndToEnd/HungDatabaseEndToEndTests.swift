import Foundation
import Testing
@testable import SwitchyardEngine
import SwitchyardTestSupport

/// `switchyard monitor` and `switchyard router` against a private server that stops answering
/// (SIGSTOP on the postmaster and its children; SIGCONT on every exit path): the dashboard says
/// NO ANSWER, and q or SIGTERM ends the process while the server is still frozen. The "within"
/// bounds are generous limits on a condition polled for, not measured speeds (the figures are
/// `make bench-hung`'s).
@Suite(.database, .serialized) struct HungDatabaseEndToEndTests {
    @Test(.timeLimit(.minutes(2)))
    func theDashboardShowsNoAnswerWithinFiveSecondsAndQuitsWithinFiveWhileTheServerIsFrozen() throws {
        let server = try FreezableServer("hung-monitor")
        defer { server.destroy() }
        defer { server.thaw() }
        let tmux = try TmuxSession(command: [Executable.path, "monitor", "--refresh", "0.5"],
                                   environment: ["DATABASE_URL": server.url, "LANG": "C.UTF-8"])
        defer { tmux.close() }
        try tmux.waitFor("router running")
        try tmux.waitFor("live")
        let pid = try #require(try tmux.programPID())

        try server.freeze()
        let frozen = ContinuousClock.now
        let screen = try tmux.waitFor("NO ANSWER", timeout: 5)
        print("hung database: NO ANSWER shown \(frozen.duration(to: .now)) after SIGSTOP")
        #expect(screen.contains("database not answering since"), "\(screen)")

        let asked = ContinuousClock.now
        try tmux.send("q")
        let (status, after) = try tmux.waitForExit(timeout: 5)
        print("hung database: exited \(asked.duration(to: .now)) after q")
        #expect(status == 0, "\(after)")
        #expect(kill(pid, 0) == -1 && errno == ESRCH, "the process is still there")
        #expect(after.contains("embedded router stopped"), "\(after)")
        MonitorEndToEndTests().expectTerminalRestored(after)
    }

    @Test(.timeLimit(.minutes(2)))
    func theRouterStopsOnSIGTERMWhileTheServerIsFrozenAndNamesTheBatchLeftToItsLease() throws {
        let server = try FreezableServer("hung-router")
        defer { server.destroy() }
        defer { server.thaw() }
        let connection = try PGConnection(settings: ConnectionSettings(conninfo: server.url))
        try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 2))
        // Each order takes 1 s: the batch is still being routed when the server freezes, and its
        // write-back is what goes unanswered. Polled on this thread (no `Task.sleep`): under a
        // loaded `make test` the shared executor can wake a sleeping task after the batch is done.
        let (router, _, err) = try Executable.start(["router", "--latency-ms", "1000", "--concurrency", "16"],
                                                    environment: server.environment)
        defer { if router.isRunning { router.terminate() } }
        var running: [Int] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while running.isEmpty, ContinuousClock.now < deadline {
            running = try connection.execute("SELECT id FROM execution_tasks WHERE status = 'RUNNING' ORDER BY id").rows
                .map { try $0.decode("id", as: Int.self) }
            if running.isEmpty { usleep(20_000) }
        }
        if running.isEmpty {
            let seen = try connection.execute("SELECT id, status FROM execution_tasks ORDER BY id").rows
                .map { "\(try $0.decode("id", as: Int.self)): \(try $0.decode("status", as: String.self))" }
            Issue.record("no task seen RUNNING within 30 s; the tasks: \(seen)")
            return
        }
        connection.close()

        try server.freeze()
        let asked = ContinuousClock.now
        kill(router.processIdentifier, SIGTERM)
        while router.isRunning, asked.duration(to: .now) < .seconds(30) { usleep(20_000) }
        let stopped = asked.duration(to: .now)
        print("hung database: the router stopped \(stopped) after SIGTERM")
        #expect(!router.isRunning)
        #expect(stopped < .seconds(15))
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("not confirmed written back"), "\(log)")
        for id in running { #expect(log.contains("\(id)"), "task \(id) not named: \(log)") }

        // Nothing was lost: each task of the batch is written back once the server resumed, still
        // RUNNING under the lease, or taken back RETRYING by the rescue the router had asked for
        // while the server was frozen: it runs on the thaw, past the 10 s lease, and logs RECOVERED.
        server.thaw()
        let after = try PGConnection(settings: ConnectionSettings(conninfo: server.url))
        let statuses = try Dictionary(uniqueKeysWithValues: after.execute("SELECT id, status FROM execution_tasks").rows
            .map { (try $0.decode("id", as: Int.self), try $0.decode("status", as: String.self)) })
        #expect(statuses.count == 4, "\(statuses)")
        let recovered = try Set(after.execute("SELECT task_id FROM execution_logs WHERE event = 'RECOVERED'").rows
            .map { try $0.decode("task_id", as: Int.self) })
        for id in running {
            let status = statuses[id] ?? "missing"
            #expect(["RUNNING", "SUCCESS"].contains(status) || (status == "RETRYING" && recovered.contains(id)),
                    "task \(id) is \(status); RECOVERED: \(recovered.sorted())")
        }
    }
}
