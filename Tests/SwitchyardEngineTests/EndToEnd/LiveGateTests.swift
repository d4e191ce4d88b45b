import Foundation
import SwitchyardTestSupport
import Testing
@testable import SwitchyardEngine
import SwitchyardTUI

/// Live routing as an operator meets it: routers that do not route live name the live accounts
/// they skip, and no secret (a broker token, from its variable or its file; an alert webhook's
/// URL) appears in anything a test can read of a running router and its dashboard.
@Suite(.database) struct LiveGateTests {
    /// The secrets: the token in the environment, the token in a file, the webhook's path.
    struct Secrets {
        let token = "sy-env-token-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let fileToken = "sy-file-token-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let hookPath = "T0GATE/B0GATE/" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let tokenFile: String
        let accountsFile: String

        init() throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gate-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            tokenFile = folder.appendingPathComponent("topstep.token").path
            try fileToken.write(toFile: tokenFile, atomically: true, encoding: .utf8)
            chmod(tokenFile, 0o600)
            accountsFile = folder.appendingPathComponent("accounts.json").path
            try """
                {"accounts": [
                  {"name": "sim", "point_value": 50, "risk_per_trade": 500, "max_contracts": 2},
                  {"name": "apex-live", "point_value": 50, "risk_per_trade": 500, "max_contracts": 2, "mode": "live",
                   "symbol": "ES", "connector": {"url": "http://127.0.0.1:9", "token_env": "SY_GATE_TOKEN"}},
                  {"name": "topstep-live", "point_value": 50, "risk_per_trade": 500, "max_contracts": 2, "mode": "live",
                   "symbol": "ES", "connector": {"url": "http://127.0.0.1:9", "token_file": "\(tokenFile)"}}
                ]}
                """.write(toFile: accountsFile, atomically: true, encoding: .utf8)
        }

        var webhook: String { "https://hooks.example.com/services/\(hookPath)?token=\(token)" }
        var all: [String] { [token, fileToken, hookPath, "hooks.example.com/services"] }

        /// The secrets found in `text`, by their first characters (none, when all is well).
        func found(in text: String) -> [String] { all.filter { text.contains($0) }.map { String($0.prefix(12)) + "…" } }
    }

    static let skipLine = "2 live accounts skipped (apex-live, topstep-live): this router routes dry-run only; "
        + "start it with --live to send real orders"

    @Test func aRouterWithoutLiveNamesTheLiveAccountsItSkipsAndShowsNoSecretAnywhere() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let secrets = try Secrets()
        var environment = schema.processEnvironment
        environment["SY_GATE_TOKEN"] = secrets.token
        try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 3))

        environment["SY_GATE_HOOK"] = secrets.webhook
        let added = try Executable.run(["alerts", "add", "hook", "--failed-over", "1000", "--webhook-env", "SY_GATE_HOOK"],
                                       environment: environment)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(secrets.found(in: added.stdout + added.stderr).isEmpty, "alerts add: \(added.stdout)")

        let port = try LoopbackHTTP.freePort()
        let (router, out, err) = try Executable.start(
            ["router", "--accounts", secrets.accountsFile, "--metrics-listen", "127.0.0.1:\(port)", "--poll-interval", "0.5",
             "--router-id", "gate"], environment: environment)
        defer {
            if router.isRunning { router.terminate() }
            router.waitUntilExit()
        }
        try connection.waitForAny("""
            SELECT (count(*) FILTER (WHERE status IN ('PENDING', 'RUNNING', 'RETRYING')) = 0)::int AS n FROM execution_tasks
            """, timeout: 60)
        // `ps` shows the command line to every user: it names files and variables, never a secret.
        let ps = try ChildProcess.run(["ps", "-ww", "-o", "args=", "-p", "\(router.processIdentifier)"])
        #expect(ps.output.contains("--accounts"), "\(ps.output)")
        let metrics = try await LoopbackHTTP.get("http://127.0.0.1:\(port)/metrics").body
        #expect(metrics.contains("account=\"apex-live\""), "\(metrics.prefix(400))")
        router.terminate()
        router.waitUntilExit()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr.contains(Self.skipLine), "\(stderr)")
        #expect(stderr.components(separatedBy: "live accounts skipped").count == 2, "once: \(stderr)")

        // Every live order was skipped with an audit row saying so; the dry-run account's were sent.
        #expect(try connection.count("""
            SELECT count(*) AS n FROM execution_logs WHERE account IN ('apex-live', 'topstep-live') AND status = 'SKIPPED'
              AND response_body LIKE '%does not route live accounts%'
            """) == 6)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs WHERE account = 'sim' AND status = 'SUCCESS'") == 6)
        // A dry-run router's row says dry-run.
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_routers WHERE id = 'gate' AND dry_run") == 1)

        let stats = try Executable.run(["stats", "--json"], environment: environment)
        let statsText = try Executable.run(["stats"], environment: environment)
        let alerts = try Executable.run(["alerts", "list"], environment: environment)
        let history = try Executable.run(["alerts", "history"], environment: environment)
        #expect(stats.status == 0 && alerts.status == 0 && history.status == 0, "\(stats.stderr)\(alerts.stderr)")
        #expect(alerts.stdout.contains("https://hooks.example.com/…"), "\(alerts.stdout)")
        let rows = try connection.execute("""
            SELECT coalesce(string_agg(row_to_json(l)::text, E'\\n'), '') AS text FROM (
                SELECT * FROM execution_logs) l
            UNION ALL SELECT coalesce(string_agg(row_to_json(h)::text, E'\\n'), '') FROM switchyard_alert_history h
            UNION ALL SELECT coalesce(string_agg(row_to_json(r)::text, E'\\n'), '') FROM switchyard_routers r
            UNION ALL SELECT coalesce(string_agg(row_to_json(t)::text, E'\\n'), '') FROM execution_tasks t
            """).rows.map { try $0.decode("text", as: String.self) }.joined(separator: "\n")
        for (name, text) in [("router stdout", stdout), ("router stderr", stderr), ("ps", ps.output), ("/metrics", metrics),
                             ("stats --json", stats.stdout), ("stats", statsText.stdout), ("alerts list", alerts.stdout),
                             ("alerts history", history.stdout), ("audit and routers rows", rows)] {
            #expect(secrets.found(in: text).isEmpty, "\(name) shows a secret: \(secrets.found(in: text))")
        }
    }

    /// Every screen of the dashboard, drawn from what the engine loads for it, as operator and as
    /// observer: the webhook is shown masked, tokens never.
    @Test func theDashboardsFramesShowNoSecret() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let secrets = try Secrets()
        try AlertQueries.add(AlertRuleDefinition(name: "hook", condition: .failedOver(0), severity: .critical,
                                                 target: try AlertTarget.webhook(parsing: secrets.webhook)),
                             actor: "test@box", on: connection)
        try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 2))
        let accounts = try AccountSet.load(path: secrets.accountsFile)
        for readOnly in [false, true] {
            let backend = EngineDashboardBackend(settings: schema.settings(readOnly: readOnly),
                                                 configuredAccounts: accounts.accounts)
            defer { backend.close() }
            let snapshot = try await backend.loadSnapshot(filter: TaskFilter())
            #expect(snapshot.alerts?.rules.map(\.target) == ["https://hooks.example.com/…"])
            var model = DashboardModel(settings: DashboardSettings(databaseName: "switchyard", readOnly: readOnly),
                                       now: Date(), size: TerminalSize(columns: 160, rows: 50))
            _ = update(&model, .snapshotLoaded(snapshot, at: Date()))
            for key in ["1", "2", "3", "4", "5", "6"] {
                _ = update(&model, .key(.character(Character(key))))
                var frame = CellBuffer(size: model.size)
                view(model, into: &frame, glyphs: .unicode)
                #expect(secrets.found(in: frame.plainText).isEmpty, "view \(key), read-only \(readOnly):\n\(frame.plainText)")
                if key == "5" { #expect(frame.plainText.contains("hooks.example.com/…"), "\(frame.plainText)") }
                if key == "4" { #expect(frame.plainText.contains("apex-live"), "\(frame.plainText)") }
            }
        }
    }

    // MARK: monitor --live

    /// Without a terminal nobody can type LIVE: refused before the screen opens and before any
    /// router registers; the usage errors come first.
    @Test func monitorLiveWithoutATerminalRefusesBeforeAnythingRoutes() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let secrets = try Secrets()
        try TaskQueue(connection: connection).enqueue(DemoTraffic.trades(count: 1))
        let refused = try Executable.run(["monitor", "--live", "--accounts", secrets.accountsFile], environment: schema.processEnvironment)
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(refused.stderr.hasPrefix("Error: Not routing live: standard input is not a terminal, so nobody can type LIVE to confirm.\n"),
                "\(refused.stderr)")
        #expect(!refused.stdout.contains("\u{1B}[?1049h"), "the screen never opened")
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_routers") == 0)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status <> 'PENDING'") == 0)

        // Without a live account (the demo set) there is nothing to confirm: refused before the question.
        let noLive = try Executable.run(["monitor", "--live"], environment: schema.processEnvironment)
        #expect(noLive.status == 1 && noLive.stderr.contains("has no account with \"mode\": \"live\"")
                && !noLive.stdout.contains("Type LIVE"), "\(noLive.stderr)")

        for extra in [["--read-only"], ["--no-router"]] {
            let usage = try Executable.run(["monitor", "--live"] + extra, environment: schema.processEnvironment)
            #expect(usage.status == 64 && usage.stderr.contains("--live"), "\(usage.stderr)")
        }
    }

    /// The dashboard's router without --live names the live accounts it skips, on stderr,
    /// before the screen opens (here there is no terminal, so the screen never does).
    @Test func theDashboardsRouterWithoutLiveNamesTheLiveAccountsItSkips() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let secrets = try Secrets()
        let run = try Executable.run(["monitor", "--accounts", secrets.accountsFile, "--max-refreshes", "1"],
                                     environment: schema.processEnvironment)
        #expect(run.stderr.contains(Self.skipLine), "\(run.stderr)")
    }

    /// In a terminal the same line is on the dashboard's status line when the screen opens, and
    /// `e` shows all of it.
    @Test(.enabled(if: TmuxSession.isAvailable, "needs tmux")) func theDashboardSaysOnScreenWhichLiveAccountsItSkips() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let secrets = try Secrets()
        let tmux = try TmuxSession(command: [Executable.path, "monitor", "--accounts", secrets.accountsFile, "--refresh", "0.5"],
                                   environment: schema.processEnvironment, width: 80, height: 24)
        defer { tmux.close() }
        let screen = try tmux.waitUntil(description: "the notice under a DRY-RUN header") {
            $0.contains("2 live accounts skipped (apex-live, topstep-live)") && $0.contains("DRY-RUN")
        }
        #expect(!screen.contains("[LIVE]"), "\(screen)")
        try tmux.send("e")
        try tmux.waitFor("start it with --live to send real orders")
        try tmux.send("Escape", "q")
        #expect(try tmux.waitForExit().status == 0)
    }

    /// In a terminal: a word other than LIVE refuses and nothing routes; LIVE goes past the
    /// question (to the dashboard, once this build has a live connector; to the connector's own
    /// refusal while it has none), and the token is never echoed.
    @Test(.enabled(if: TmuxSession.isAvailable, "needs tmux")) func monitorLiveAsksForTheWordLIVE() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let secrets = try Secrets()
        var environment = schema.processEnvironment
        environment["SY_GATE_TOKEN"] = secrets.token
        let command = [Executable.path, "monitor", "--live", "--accounts", secrets.accountsFile, "--refresh", "0.5"]

        let wrong = try TmuxSession(command: command, environment: environment, width: 120, height: 30)
        defer { wrong.close() }
        let asked = try wrong.waitFor("Type LIVE to route them")
        #expect(asked.contains("REAL orders to 2 live accounts (apex-live, topstep-live)"), "\(asked)")
        try wrong.send("live", "Enter")
        let (status, screen) = try wrong.waitForExit()
        #expect(status == 1, "\(screen)")
        #expect(screen.contains("Not routing live: \"live\" was typed, not LIVE."), "\(screen)")
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_routers") == 0)

        let right = try TmuxSession(command: command, environment: environment, width: 120, height: 30)
        defer { right.close() }
        try right.waitFor("Type LIVE to route them")
        try right.send("LIVE", "Enter")
        let after = try right.waitUntil(description: "the dashboard or the end") { $0.contains("[LIVE]") || $0.contains("[end]") }
        #expect(!after.contains("Not routing live"), "\(after)")
        #expect(secrets.found(in: after).isEmpty, "\(after)")
        if after.contains("[LIVE]") {
            try right.send("q")
            #expect(try right.waitForExit().status == 0)
        }
    }

    /// An observer's dashboard in a real terminal, without colour: a router elsewhere that routes
    /// live (its row says so) puts [LIVE] in the header; when it stops, the header drops it.
    @Test(.enabled(if: TmuxSession.isAvailable, "needs tmux")) func anObserverInATerminalSeesLIVEWithoutColour() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try connection.execute("""
            INSERT INTO switchyard_routers (id, host, pid, dry_run, version, heartbeat_at, live_until, in_flight, processed, paused)
            VALUES ('far-live', 'trade-09', 1, false, 'switchyard', now(), now() + interval '1 hour', 0, 0, false)
            """)
        var environment = schema.processEnvironment
        environment["NO_COLOR"] = "1"
        let tmux = try TmuxSession(command: [Executable.path, "monitor", "--read-only", "--refresh", "0.5"],
                                   environment: environment, width: 80, height: 24)
        defer { tmux.close() }
        let screen = try tmux.waitFor("[LIVE]")
        #expect(screen.split(separator: "\n").first?.contains("OBSERVER") == true, "\(screen)")
        try connection.execute("UPDATE switchyard_routers SET stopped_at = now() WHERE id = 'far-live'")
        try tmux.waitUntil(description: "no [LIVE] once it stopped") { !$0.contains("[LIVE]") && $0.contains("OBSERVER") }
        try tmux.send("q")
        #expect(try tmux.waitForExit().status == 0)
    }
}
