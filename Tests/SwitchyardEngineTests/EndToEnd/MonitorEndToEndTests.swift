import Foundation
import Testing
@testable import SwitchyardEngine
import SwitchyardTestSupport

/// `switchyard monitor` in a real terminal (a tmux pane, 80x24), against the real server,
/// driven with keys the way an operator drives it.
@Suite(.serialized)
struct MonitorEndToEndTests {
    static let goodEntry = #"{"kind":"ENTRY","direction":"LONG","entry_price":4156.25,"stop_loss":4150.00}"#
    /// Stop equal to entry: the router fails it with a clear error, whatever is retried.
    static let badEntry = #"{"kind":"ENTRY","direction":"LONG","entry_price":4156.25,"stop_loss":4156.25}"#

    func status(of trade: String, _ connection: PGConnection) throws -> String? {
        let query: Query = "SELECT status FROM execution_tasks WHERE trade_id = \(trade) ORDER BY id LIMIT 1"
        return try connection.execute(query).first?.decode("status")
    }

    /// A task refused by every account until its one attempt is spent: FAILED, but sound.
    func makeFailedTask(_ trade: String, _ schema: TestSchema) throws {
        let enqueue = try Executable.run(["enqueue", "--trade-id", trade, "--event-type", "ENTRY",
                                          "--payload", Self.goodEntry, "--max-attempts", "1"],
                                         environment: schema.processEnvironment)
        #expect(enqueue.status == 0, "\(enqueue.stderr)")
        let router = try Executable.run(["router", "--fail-rate", "1", "--exit-when-idle", "--poll-interval", "0.2"],
                                        environment: schema.processEnvironment)
        #expect(router.status == 0, "\(router.stderr)")
        #expect(try status(of: trade, schema.connect()) == "FAILED")
    }

    func monitor(_ arguments: [String], _ schema: TestSchema) throws -> TmuxSession {
        var environment = schema.processEnvironment.filter { $0.key == "DATABASE_URL" }
        environment["LANG"] = "C.UTF-8"
        return try TmuxSession(command: [Executable.path, "monitor", "--refresh", "0.5"] + arguments,
                               environment: environment)
    }

    /// The pane's `stty -a` after the program ended: the line discipline is back.
    func expectTerminalRestored(_ screen: String) {
        let modes = Set(screen.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init))
        #expect(modes.contains("icanon") && !modes.contains("-icanon"), "terminal left without canonical input:\n\(screen)")
        #expect(modes.contains("echo") && !modes.contains("-echo"), "terminal left without echo:\n\(screen)")
    }

    @Test(.database, .timeLimit(.minutes(2)))
    func anOperatorRetriesAFailedTaskWithKeysAndTheEmbeddedRouterSucceeds() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try makeFailedTask("E2E-RETRY", schema)

        let tmux = try monitor([], schema)
        defer { tmux.close() }
        try tmux.waitFor("OPERATOR")
        try tmux.waitFor("E2E-RETRY")
        try tmux.send("r")
        try tmux.waitFor("Retry task")
        try tmux.send("y")
        try tmux.waitFor("Retried 1 task")

        // The embedded dry-run router (no injected failures) routes it at once.
        let deadline = Date().addingTimeInterval(20)
        while try status(of: "E2E-RETRY", connection) != "SUCCESS", Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        #expect(try status(of: "E2E-RETRY", connection) == "SUCCESS")
        let actorRows = try connection.count("""
            SELECT count(*) AS n FROM execution_logs l JOIN execution_tasks t ON t.id = l.task_id
            WHERE t.trade_id = 'E2E-RETRY' AND l.event = 'RETRY_REQUESTED' AND l.actor IS NOT NULL AND l.actor <> ''
            """)
        #expect(actorRows == 1)

        // A task the seed system inserts with plain SQL, and whose payload cannot be routed,
        // shows up among the failed tasks.
        try connection.execute(Query("""
            INSERT INTO execution_tasks (trade_id, event_type, payload) VALUES ('E2E-BAD', 'ENTRY', \(Self.badEntry)::jsonb)
            """))
        try tmux.waitFor("E2E-BAD")
        // The retried task has left the failed list (it stays in the recent logs).
        try tmux.waitFor("Failed tasks (1)")

        try tmux.send("q")
        let end = try tmux.waitForExit()
        #expect(end.status == 0, "\(end.screen)")
        expectTerminalRestored(end.screen)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'RUNNING'") == 0)
    }

    @Test(.database, .timeLimit(.minutes(2)))
    func anObserverCanChangeNothing() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try makeFailedTask("E2E-WATCH", schema)
        let before = try connection.count("SELECT count(*) AS n FROM execution_logs")
        let controlBefore = try connection.count("SELECT count(*) AS n FROM switchyard_control_log")
        let routersBefore = try connection.count("SELECT count(*) AS n FROM switchyard_routers")

        let tmux = try monitor(["--read-only"], schema)
        defer { tmux.close() }
        try tmux.waitFor("OBSERVER")
        try tmux.waitFor("E2E-WATCH")
        for key in ["r", "y", "d", "y", "h", "y", "P", "y", "R", "y"] { try tmux.send(key) }
        try tmux.waitFor("Read-only mode")
        try tmux.send("q")
        let end = try tmux.waitForExit()
        #expect(end.status == 0, "\(end.screen)")
        expectTerminalRestored(end.screen)

        #expect(try status(of: "E2E-WATCH", connection) == "FAILED")
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs") == before)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_control_log") == controlBefore)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_routers") == routersBefore, "no router started")
    }

    @Test(.database, .timeLimit(.minutes(2)))
    func sighupLeavesTheTerminalAndTheTasksSound() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let tmux = try monitor(["--latency", "20ms"], schema)
        defer { tmux.close() }
        try tmux.waitFor("router running")
        let enqueue = try Executable.run(["enqueue", "--synthetic", "200"], environment: schema.processEnvironment)
        #expect(enqueue.status == 0, "\(enqueue.stderr)")
        // Wait until the embedded router is busy, then hang up as a dropped SSH session does.
        let deadline = Date().addingTimeInterval(20)
        while try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'SUCCESS'") == 0,
              Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let pid = try #require(try tmux.programPID())
        kill(pid, SIGHUP)

        let end = try tmux.waitForExit()
        #expect(end.status == 129, "128 + SIGHUP: \(end.screen)")
        expectTerminalRestored(end.screen)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'RUNNING'") == 0)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks") == 400)
    }

    /// A dropped SSH session can deliver SIGHUP more than once; the later ones arrive after the
    /// dashboard gave the terminal back, while the embedded router still finishes its batch.
    @Test(.database, .timeLimit(.minutes(2)))
    func sighupAgainWhileTheRouterFinishesItsBatchStillStopsCleanly() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let log = NSTemporaryDirectory() + "switchyard-hup-\(UInt32.random(in: 0...UInt32.max)).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        var environment = schema.processEnvironment.filter { $0.key == "DATABASE_URL" }
        environment["LANG"] = "C.UTF-8"
        // Slow orders: a batch takes seconds, so the later hang-ups land while it finishes.
        let tmux = try TmuxSession(command: ["/bin/sh", "-c", "exec \"$0\" \"$@\" 2>>'\(log)'", Executable.path, "monitor",
                                            "--refresh", "0.5", "--latency-ms", "200"], environment: environment)
        defer { tmux.close() }
        try tmux.waitFor("router running")
        #expect(try Executable.run(["enqueue", "--synthetic", "20"], environment: schema.processEnvironment).status == 0)
        try connection.waitForAny("SELECT count(*) AS n FROM execution_tasks WHERE status = 'RUNNING'")
        let pid = try #require(try tmux.programPID())
        for _ in 0..<3 {
            kill(pid, SIGHUP)
            Thread.sleep(forTimeInterval: 0.15)
        }

        let end = try tmux.waitForExit()
        #expect(end.status == 129, "128 + SIGHUP: \(end.screen)")
        // The batch in flight was finished and written back: nothing RUNNING, nothing put back
        // to be sent again, and the stop line reached the log.
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status IN ('RUNNING', 'RETRYING')") == 0)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'SUCCESS'") > 0)
        let written = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(written.contains("embedded router stopped"), "\(written)")
    }
}

/// The dashboard when its database goes away and comes back: a server of its own, so the
/// other tests keep theirs.
@Suite(.serialized)
struct MonitorReconnectEndToEndTests {
    @Test(.database, .timeLimit(.minutes(3)))
    func theDashboardSaysTheDatabaseIsGoneKeepsItsDataAndReconnects() throws {
        let (directory, url, environment) = try PrivateServer.startMigrated("reconnect")
        defer { _ = try? PrivateServer.pg("destroy", directory) }
        let enqueue = try Executable.run(["enqueue", "--trade-id", "KEEP-ME", "--event-type", "ENTRY",
                                          "--payload", MonitorEndToEndTests.badEntry], environment: environment)
        #expect(enqueue.status != 0, "a bad payload is refused at enqueue")
        let connection = try PGConnection(settings: ConnectionSettings(conninfo: url))
        try connection.execute(Query("""
            INSERT INTO execution_tasks (trade_id, event_type, status, attempts, last_error, payload)
            VALUES ('KEEP-ME', 'ENTRY', 'FAILED', 5, 'refused', \(MonitorEndToEndTests.goodEntry)::jsonb)
            """))
        connection.close()

        let tmux = try TmuxSession(command: [Executable.path, "monitor", "--no-router", "--refresh", "0.5"],
                                   environment: ["DATABASE_URL": url, "LANG": "C.UTF-8"])
        defer { tmux.close() }
        try tmux.waitFor("KEEP-ME")
        try PrivateServer.pg("stop", directory)
        let offline = try tmux.waitFor("OFFLINE")
        #expect(offline.contains("KEEP-ME"), "the last data stays on screen:\n\(offline)")
        try PrivateServer.pg("start", directory)
        try tmux.waitUntil(description: "back online", timeout: 30) { !$0.contains("OFFLINE") && $0.contains("KEEP-ME") }
        try tmux.send("q")
        let end = try tmux.waitForExit()
        #expect(end.status == 0, "\(end.screen)")
    }
}

/// A terminal that hung up (a dropped SSH session) makes writes to stderr fail; a process
/// saying goodbye there must still stop cleanly. A closed stderr fails the same way.
@Suite struct StandardErrorGoneTests {
    @Test(.database) func aRouterWhoseStderrIsGoneStillStopsCleanly() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        var environment = schema.processEnvironment
        environment["SWITCHYARD_BIN"] = Executable.path
        let (status, output) = try ChildProcess.run(
            ["sh", "-c", "exec \"$SWITCHYARD_BIN\" router --exit-when-idle --poll-interval 0.2 2>&-"],
            environment: environment)
        #expect(status == 0, "\(output)")
    }
}
