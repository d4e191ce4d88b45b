import Foundation
import Testing
@testable import SwitchyardEngine

/// `switchyard stats`, run as a cron job or a monitoring check would run it.
@Suite(.database) struct StatsCommandTests {
    static let at = "2026-11-23T10:00:30Z"

    func fixtureSchema(function: String = #function) throws -> TestSchema {
        let schema = try TestDatabase.makeMigratedSchema(function: function)
        try MonitorFixture.insert(into: schema.connect())
        return schema
    }

    func stats(_ arguments: [String], _ schema: TestSchema) throws -> Executable.Output {
        // Times print in the host's zone (TZ); the expectations below are in UTC.
        try Executable.run(["stats", "--at", Self.at] + arguments, environment: schema.processEnvironment.merging(["TZ": "UTC"]) { $1 })
    }

    func object(_ value: Any?) throws -> [String: Any] { try #require(value as? [String: Any]) }

    @Test func jsonHasTheDocumentedShape() throws {
        let schema = try fixtureSchema()
        let connection = try schema.connect()
        try AlertQueries.add(AlertRuleDefinition(name: "failed-orders", condition: .failedOver(0), severity: .critical,
                                                 target: .webhook(parsing: "https://chat.example/hooks/T0/B0/secret")),
                             actor: "test@host", on: connection)
        try AlertEvaluator(evaluatorID: "r-a", database: "db").runOnce(on: connection)
        let output = try stats(["--json", "--limit", "4"], schema)
        #expect(output.status == 0, "\(output.stderr)")
        let root = try object(JSONSerialization.jsonObject(with: Data(output.stdout.utf8)))
        #expect(Set(root.keys) == ["format_version", "taken_at", "queue", "rates", "recent_logs", "failed_tasks",
                                   "dead_tasks", "held_tasks", "accounts", "routers", "control", "schedules", "alerts",
                                   "observed_accounts", "unavailable"])
        let alerts = try object(root["alerts"])
        let firing = try #require(alerts["firing"] as? [[String: Any]])
        #expect(firing.count == 1)
        #expect(Set(firing[0].keys) == ["rule", "severity", "condition", "threshold", "window_minutes", "value", "account",
                                        "since", "held_reason", "undelivered_messages", "delivery_error"])
        #expect(firing[0]["rule"] as? String == "failed-orders" && firing[0]["value"] as? Double == 2)
        let rules = try #require(alerts["rules"] as? [[String: Any]])
        #expect(rules.first?["target"] as? String == "https://chat.example/…")
        #expect(!output.stdout.contains("secret"))
        let text = try stats([], schema)
        #expect(text.stdout.contains("ALERTS  1 firing of 1 rule(s)\n  failed-orders  critical  2 tasks FAILED since"), "\(text.stdout)")
        #expect(root["format_version"] as? Int == 1)
        #expect(root["taken_at"] as? String == "2026-11-23T10:00:30.000Z")
        let queue = try object(root["queue"])
        #expect(Set(queue.keys) == ["counts", "estimated", "oldest_eligible_age_seconds", "scheduled"])
        #expect(queue["counts"] as? [String: Int] == ["PENDING": 2, "RUNNING": 1, "RETRYING": 2, "HELD": 1, "SUCCESS": 1,
                                                       "FAILED": 2, "DEAD": 1])
        #expect(queue["oldest_eligible_age_seconds"] as? Double == 90)
        #expect(queue["scheduled"] as? Int == 1)
        #expect(root["schedules"] as? [Any] != nil)
        let rates = try object(root["rates"])
        #expect(Set(rates.keys) == ["current_per_second", "last_hour", "minutes"])
        #expect(rates["current_per_second"] as? Double == 0.2)
        #expect(rates["last_hour"] as? [String: Int] == ["succeeded": 3, "failed": 3])
        let minutes = try #require(rates["minutes"] as? [[String: Any]])
        #expect(minutes.count == 60)
        #expect(minutes.first?["start"] as? String == "2026-11-23T09:01:00.000Z")
        #expect(minutes.last?["start"] as? String == "2026-11-23T10:00:00.000Z")
        #expect(minutes.last?["succeeded"] as? Int == 2 && minutes.last?["failed"] as? Int == 1)
        let logs = try #require(root["recent_logs"] as? [[String: Any]])
        #expect(logs.map { $0["id"] as? Int } == [10, 9, 8, 7])
        #expect(Set(logs[0].keys) == ["id", "task_id", "trade_id", "event_type", "event", "account", "status",
                                      "response_code", "message", "actor", "router_id", "duration_ms", "created_at"])
        #expect(logs[0]["actor"] is NSNull)
        let failed = try #require(root["failed_tasks"] as? [[String: Any]])
        #expect(failed.map { $0["id"] as? Int } == [7, 6])
        #expect(Set(failed[0].keys) == ["id", "trade_id", "event_type", "status", "attempts", "max_attempts", "last_error",
                                        "created_at", "updated_at", "age_seconds"])
        #expect(failed[0]["age_seconds"] as? Double == 1800)
        let routers = try #require(root["routers"] as? [[String: Any]])
        #expect(routers.map { $0["id"] as? String } == ["r-a", "r-b"])
        #expect(Set(routers[0].keys) == ["id", "host", "pid", "started_at", "heartbeat_at", "heartbeat_age_seconds",
                                         "stopped_at", "live", "dry_run", "paused", "in_flight", "processed"])
        #expect(routers[0]["heartbeat_age_seconds"] as? Double == 2)
        let control = try object(root["control"])
        #expect(control["global_paused"] as? Bool == true)
        #expect(control["paused_event_types"] as? [String] == ["EXIT"])
        #expect(try object(root["unavailable"]).isEmpty)
    }

    @Test func jsonOfASeedOnlyDatabaseHasNullPartsAndReasons() throws {
        let schema = try TestDatabase.makeSchema()
        try schema.connect().executeScript(TestDatabase.seedDDL, name: "seed")
        let output = try stats(["--json", "--read-only"], schema)
        #expect(output.status == 0, "\(output.stderr)")
        let root = try object(JSONSerialization.jsonObject(with: Data(output.stdout.utf8)))
        #expect(root["routers"] is NSNull && root["control"] is NSNull)
        #expect(try object(root["unavailable"]) as? [String: String] == [
            "accounts": "needs `switchyard migrate` (switchyard_account_minutes is missing)",
            "routers": "needs `switchyard migrate` (switchyard_routers is missing)",
            "control": "needs `switchyard migrate` (switchyard_control is missing)",
            "schedules": "needs `switchyard migrate` (switchyard_schedules is missing)",
            "alerts": "needs `switchyard migrate` (switchyard_alert_rules is missing)",
        ])
        #expect(root["failed_tasks"] as? [Any] != nil)
    }

    @Test func thresholdsExitTwoAndSayWhichTripped() throws {
        let schema = try fixtureSchema()
        // Lag is 90 s, 2 tasks are FAILED, two routers are running.
        let calm = try stats(["--fail-if-lag", "90", "--fail-if-failed", "2", "--fail-if-no-router"], schema)
        #expect(calm.status == 0, "\(calm.stderr)")
        #expect(calm.stderr == "")
        let lag = try stats(["--fail-if-lag", "89.5"], schema)
        #expect(lag.status == 2)
        #expect(lag.stderr == "--fail-if-lag: the oldest eligible task has waited 1m30s, more than 1m29.5s.\n")
        let both = try stats(["--json", "--fail-if-lag", "60", "--fail-if-failed", "1"], schema)
        #expect(both.status == 2)
        #expect(both.stderr == """
            --fail-if-lag: the oldest eligible task has waited 1m30s, more than 1m.
            --fail-if-failed: 2 tasks are FAILED, more than 1.

            """)
        // The snapshot is still printed, so the alert carries the context.
        #expect(both.stdout.contains("\"format_version\" : 1"))
        try schema.connect().execute("UPDATE switchyard_routers SET stopped_at = heartbeat_at")
        let noRouter = try stats(["--fail-if-no-router"], schema)
        #expect(noRouter.status == 2)
        #expect(noRouter.stderr == "--fail-if-no-router: no live router (none heartbeating within its lease, on the database's clock).\n")
    }

    @Test func aConditionThatCannotBeCheckedTrips() throws {
        let schema = try TestDatabase.makeSchema()
        try schema.connect().executeScript(TestDatabase.seedDDL, name: "seed")
        let output = try stats(["--fail-if-no-router", "--fail-if-lag", "10"], schema)
        #expect(output.status == 2)
        #expect(output.stderr == "--fail-if-no-router: cannot check, routers is unavailable "
                + "(needs `switchyard migrate` (switchyard_routers is missing)).\n")
    }

    @Test func aConnectionErrorExitsOneWithTheDatabaseLayersMessage() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none"
        let output = try Executable.run(["stats", "--fail-if-lag", "1"], environment: environment)
        #expect(output.status == 1)
        #expect(output.stdout == "")
        #expect(output.stderr.hasPrefix("Could not connect to Postgres at nobody@127.0.0.1:1/none (connection refused).\n"))
    }

    @Test func textIsAlignedForPeople() throws {
        let output = try stats(["--limit", "2"], fixtureSchema())
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first?.hasSuffix(" at 2026-11-23 10:00:30 UTC") == true)
        let expectedBlocks = [
            """
            QUEUE  lag 1m30s
              PENDING   2  (1 SCHEDULED for later)
              RUNNING   1
              RETRYING  2
              HELD      1
              SUCCESS   1
              FAILED    2
              DEAD      1
            """,
            "RATES  last hour: 3 attempts succeeded, 3 failed; now 0.2 attempts/s",
            """
            ROUTERS
              HOST   PID  HEARTBEAT  STATE            IN-FLIGHT  PROCESSED
              alpha   42  2s ago     paused LIVE              0          7
              beta     7  10s ago    running dry-run          3        120
            """,
            "CONTROL  every router paused; EXIT paused (by ops@box at 2026-11-23 09:59:45 UTC): broker maintenance",
            "SCHEDULES  none",
            """
            FAILED TASKS
              ID  TRADE  TYPE   ATTEMPTS  AGE  LAST ERROR
               7  es-6   ENTRY       3/5  30m  timeout
               6  T-5    EXIT        5/5  1h   broker said no
            """,
            """
            RECENT LOGS
              TIME                     TASK  TRADE  TYPE   EVENT    ACCOUNT  STATUS   CODE  MESSAGE
              2026-11-23 10:00:31 UTC     3  T-2    ENTRY  ATTEMPT  acct-10  SUCCESS   200  late
              2026-11-23 10:00:30 UTC     7  es-6   ENTRY  ATTEMPT  acct-9   FAILED    503  timeout
            """,
        ]
        for block in expectedBlocks {
            #expect(output.stdout.contains(block + "\n"), "missing:\n\(block)\nin:\n\(output.stdout)")
        }
    }
}
