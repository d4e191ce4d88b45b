import Foundation
import Testing
@testable import SwitchyardEngine
import SwitchyardTestSupport

/// The pruner against a real server: time is injected by writing rows with old timestamps (the
/// server's own clock decides what is old); nothing sleeps.
@Suite(.database) struct DerivedTablePrunerTests {
    /// Every count in the minutes and the hours together, per table and column.
    static func totals(_ connection: PGConnection) throws -> [String: Int] {
        let row = try connection.execute("""
            SELECT (SELECT coalesce(sum(succeeded), 0) FROM switchyard_attempt_minutes)
                   + (SELECT coalesce(sum(succeeded), 0) FROM switchyard_attempt_hours) AS succeeded,
                   (SELECT coalesce(sum(failed), 0) FROM switchyard_attempt_minutes)
                   + (SELECT coalesce(sum(failed), 0) FROM switchyard_attempt_hours) AS failed,
                   (SELECT coalesce(sum(accepted), 0) FROM switchyard_account_minutes)
                   + (SELECT coalesce(sum(accepted), 0) FROM switchyard_account_hours) AS accepted,
                   (SELECT coalesce(sum(refused), 0) FROM switchyard_account_minutes)
                   + (SELECT coalesce(sum(refused), 0) FROM switchyard_account_hours) AS refused,
                   (SELECT coalesce(sum(latency_ms_sum), 0) FROM switchyard_account_minutes)
                   + (SELECT coalesce(sum(latency_ms_sum), 0) FROM switchyard_account_hours) AS latency
            """).first!
        return try Dictionary(uniqueKeysWithValues: ["succeeded", "failed", "accepted", "refused", "latency"].map {
            ($0, try row.decode($0, as: Int.self))
        })
    }

    /// Audit rows as routers write them, `hoursAgo` before the server's now: for each of `count`
    /// new tasks, one acceptance and one refusal by each account (the triggers count them into
    /// their minute).
    static func attempts(_ connection: PGConnection, hoursAgo: Double, accounts: [String], count: Int) throws {
        try connection.execute("""
            WITH t AS (INSERT INTO execution_tasks (trade_id, event_type, status)
                       SELECT 'prune-' || gen_random_uuid(), 'ENTRY', 'SUCCESS' FROM generate_series(1, \(count)) RETURNING id)
            INSERT INTO execution_logs (task_id, status, event, account, duration_ms, created_at)
            SELECT t.id, s, 'ATTEMPT', a, 7, localtimestamp - \(hoursAgo) * interval '1 hour' - t.id % 50 * interval '1 second'
            FROM t, unnest(\(accounts)::text[]) AS a, (VALUES ('SUCCESS'), ('FAILED')) AS v(s)
            """)
    }

    @Test func minutesPastTheWindowMoveIntoTheirHourAndNothingIsLostOrAddedTwice() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try Self.attempts(connection, hoursAgo: 72, accounts: ["alpha", "bravo"], count: 5)
        try Self.attempts(connection, hoursAgo: 50.5, accounts: ["alpha"], count: 3)
        try Self.attempts(connection, hoursAgo: 1, accounts: ["alpha", "bravo"], count: 4)
        let before = try Self.totals(connection)
        let recentMinutes = try connection.count("SELECT count(*) AS n FROM switchyard_account_minutes WHERE minute > localtimestamp - interval '2 hours'")

        let report = try DerivedTablePruner().runOnce(on: connection)
        #expect(report.attemptMinutesRolledUp > 0 && report.accountMinutesRolledUp > 0)
        #expect(try Self.totals(connection) == before)
        // The old minutes are hours now; the last hour's are untouched.
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_attempt_minutes WHERE minute < localtimestamp - interval '48 hours'") == 0)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_account_minutes") == recentMinutes)
        #expect(try connection.count("SELECT sum(refused)::int AS n FROM switchyard_account_hours WHERE account = 'alpha'") == 8)
        #expect(try connection.count("SELECT sum(latency_count)::int AS n FROM switchyard_account_hours") == 26)
        // A second pass finds nothing more to move.
        #expect(try DerivedTablePruner().runOnce(on: connection).total == 0)
    }

    @Test func aLateRowForAnHourAlreadyRolledUpIsAddedToThatHour() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try Self.attempts(connection, hoursAgo: 60, accounts: ["alpha"], count: 2)
        _ = try DerivedTablePruner().runOnce(on: connection)
        try Self.attempts(connection, hoursAgo: 60, accounts: ["alpha"], count: 1)
        _ = try DerivedTablePruner().runOnce(on: connection)
        #expect(try connection.count("SELECT sum(refused)::int AS n FROM switchyard_account_hours") == 3)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_account_minutes") == 0)
    }

    @Test func twoPrunersAtOnceCountNothingTwice() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        // 3,000 minutes of 4 accounts in 8 shards, three to five days old: 96,000 rows. The newest
        // is at half past an hour, so they span 51 hours whenever the test runs (from a minute at
        // :59 they would span 50).
        try connection.execute("""
            INSERT INTO switchyard_account_minutes (minute, account, shard, accepted, refused, latency_ms_sum, latency_count)
            SELECT date_trunc('hour', localtimestamp - interval '3 days') + interval '30 minutes' - m * interval '1 minute', a, s, m % 7, s, 3 * m, m
            FROM generate_series(0, 2999) AS m, unnest(ARRAY['a', 'b', 'c', 'd']) AS a, generate_series(0, 7) AS s
            """)
        try connection.execute("""
            INSERT INTO switchyard_attempt_minutes (minute, shard, succeeded, failed)
            SELECT date_trunc('hour', localtimestamp - interval '3 days') + interval '30 minutes' - m * interval '1 minute', s, m, s
            FROM generate_series(0, 2999) AS m, generate_series(0, 7) AS s
            """)
        let before = try Self.totals(connection)
        var config = DerivedTablePruner.Config()
        config.batchSize = 500
        config.batchesPerPass = 200
        let pruner = DerivedTablePruner(config: config)
        let settings = schema.settings()
        async let first = onOwnThread { try pruner.runOnce(on: PGConnection(settings: settings)) }
        async let second = onOwnThread { try pruner.runOnce(on: PGConnection(settings: settings)) }
        let reports = try await [first, second]
        #expect(reports.map(\.accountMinutesRolledUp).reduce(0, +) == 96_000)
        #expect(reports.map(\.attemptMinutesRolledUp).reduce(0, +) == 24_000)
        #expect(try Self.totals(connection) == before)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_account_minutes") == 0)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_account_hours") == 51 * 4)
    }

    @Test func readersGiveTheSameAnswersAcrossTheRollUp() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try AlertQueries.add(AlertRuleDefinition(name: "refusals", condition: .accountRefusalsOver(1, windowMinutes: 1440),
                                                 target: .command("true")), actor: "test@host", on: connection)
        try AlertQueries.add(AlertRuleDefinition(name: "failure-rate", condition: .failureRateOver(percent: 10, windowMinutes: 1440),
                                                 target: .command("true")), actor: "test@host", on: connection)
        // Just inside the alerts' longest window, and just outside it; and the last hour.
        try Self.attempts(connection, hoursAgo: 23.9, accounts: ["alpha"], count: 3)
        try Self.attempts(connection, hoursAgo: 25.5, accounts: ["alpha", "bravo"], count: 9)
        try Self.attempts(connection, hoursAgo: 0.2, accounts: ["bravo"], count: 2)
        let now: Date = try connection.execute("SELECT now() AS t").first!.decode("t")
        // A report of the hour that is rolled up below (`stats --at`): its minutes come back from the audit rows.
        let then = now.addingTimeInterval(-25.25 * 3600)

        func readings() throws -> (measured: [String: Double], rate: Double, rates: ProcessingRates, accounts: [AccountFigures],
                                   thenRates: ProcessingRates, thenAccounts: [AccountFigures]) {
            let rules = try connection.execute(Query("SELECT \(unescaped: StoredRule.columns) FROM switchyard_alert_rules"))
                .rows.compactMap { try StoredRule(row: $0) }
            var measurements = Measurements(connection: connection, now: now)
            let refusals = try measurements.values(for: try #require(rules.first { $0.name == "refusals" }))
            let rate = try measurements.values(for: try #require(rules.first { $0.name == "failure-rate" }))[""] ?? -1
            let snapshot = try MonitorQueries().snapshot(on: connection, now: now)
            let past = try MonitorQueries().snapshot(on: connection, now: then)
            return (refusals, rate, try #require(snapshot.rates), try #require(snapshot.accounts),
                    try #require(past.rates), try #require(past.accounts))
        }
        let before = try readings()
        // One refusal counter (migration 14) feeds the alert and the accounts panel alike.
        #expect(try connection.count("SELECT count(to_regclass('switchyard_account_rejection_minutes')) AS n") == 0)
        #expect(before.measured == ["alpha": 3, "bravo": 2])
        #expect(before.rate == 50)
        #expect(before.accounts.first { $0.name == "bravo" }?.refusedLastHour == 2)
        #expect(before.thenAccounts.first { $0.name == "bravo" }?.refusedLastHour == 9)
        #expect(before.thenRates.minutes.map(\.failed).reduce(0, +) == 18)

        // The shortest window the pruner allows: everything before the hour a day ago is rolled up.
        var config = DerivedTablePruner.Config()
        config.keepMinutes = DerivedTablePruner.Config.minimumMinutes
        let totals = try Self.totals(connection)
        let report = try DerivedTablePruner(config: config).runOnce(on: connection, now: now)
        #expect(report.accountMinutesRolledUp > 0)
        let after = try readings()
        #expect(after.measured == before.measured && after.rate == before.rate)
        #expect(after.rates == before.rates && after.accounts == before.accounts)
        #expect(after.thenRates == before.thenRates && after.thenAccounts == before.thenAccounts)
        #expect(try Self.totals(connection) == totals)
    }

    @Test func hoursDeliveriesAndRunsPastTheirRetentionAreRemoved() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try connection.execute("""
            INSERT INTO switchyard_attempt_hours (hour, succeeded, failed)
            SELECT date_trunc('hour', localtimestamp) - d * interval '1 day', 1, 0 FROM generate_series(3, 500, 7) AS d
            """)
        try connection.execute("""
            INSERT INTO switchyard_account_hours (hour, account, accepted)
            SELECT date_trunc('hour', localtimestamp) - d * interval '1 day', 'alpha', 1 FROM generate_series(3, 500, 7) AS d
            """)
        try AlertQueries.add(AlertRuleDefinition(name: "r", condition: .failedOver(0), target: .command("true")),
                             actor: "test@host", on: connection)
        // Delivered 40 and 2 days ago, abandoned 40 days ago, still owed.
        try connection.execute("""
            INSERT INTO switchyard_alert_deliveries (rule_id, state, payload, created_at, delivered_at, abandoned_at)
            SELECT r.id, 'test', '{}', now() - d, now() - d + interval '1 second' * CASE WHEN k = 'delivered' THEN 1 END,
                   now() - d + interval '1 second' * CASE WHEN k = 'abandoned' THEN 1 END
            FROM switchyard_alert_rules r,
                 (VALUES (interval '40 days', 'delivered'), (interval '2 days', 'delivered'),
                         (interval '40 days', 'abandoned'), (interval '40 days', 'owed')) AS v(d, k)
            """)
        try connection.execute("""
            INSERT INTO switchyard_alert_history (rule_id, rule_name, delivery_id, event, actor)
            SELECT rule_id, 'r', id, 'delivered', 'test@host' FROM switchyard_alert_deliveries WHERE delivered_at IS NOT NULL
            """)
        let schedules = ScheduleBook(connection: connection)
        try schedules.add(NewSchedule(name: "tick", timing: .every(.seconds(60)), eventType: .entry, payload: TaskQueueTests.entryJSON),
                          actor: "test@host")
        try connection.execute("""
            INSERT INTO switchyard_schedule_runs (schedule_id, run_at, outcome, created_at)
            SELECT s.id, now() - d, o, now() - d FROM switchyard_schedules s,
                   (VALUES (interval '45 days', 'ENQUEUED'), (interval '44 days', 'MISSED'), (interval '31 days', 'RUN_NOW'),
                           (interval '3 days', 'ENQUEUED'), (interval '1 hour', 'ENQUEUED')) AS v(d, o)
            """)

        let report = try DerivedTablePruner().runOnce(on: connection)
        // 400 days of hours are kept: of the days 3, 10, ... 500, the 15 from 402 on go.
        #expect(report.attemptHoursRemoved == 15 && report.accountHoursRemoved == 15)
        #expect(report.deliveriesRemoved == 1)
        #expect(report.scheduleRunsRemoved == 2)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_alert_deliveries") == 3)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_schedule_runs WHERE outcome = 'MISSED'") == 1)
        #expect(try schedules.list().first?.figures.missed == 1)
        #expect(try connection.count("""
            SELECT count(*) AS n FROM switchyard_alert_history h
            WHERE h.delivery_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM switchyard_alert_deliveries d WHERE d.id = h.delivery_id)
            """) == 1)

        // The history still names the pruned delivery; runs still refuse an UPDATE, and a DELETE of a recent one.
        #expect(throws: DatabaseError.self) { try connection.execute("UPDATE switchyard_schedule_runs SET router_id = 'x'") }
        #expect(throws: DatabaseError.self) {
            try connection.execute("DELETE FROM switchyard_schedule_runs WHERE created_at > now() - interval '2 hours'")
        }
    }

    @Test func aPassEndsAtTheBatchWhereItIsAskedToStop() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try connection.execute("""
            INSERT INTO switchyard_attempt_minutes (minute, shard, succeeded, failed)
            SELECT date_trunc('minute', localtimestamp - interval '3 days') - m * interval '1 minute', 0, 1, 0
            FROM generate_series(0, 99) AS m
            """)
        var config = DerivedTablePruner.Config()
        config.batchSize = 10
        var batches = 0
        let report = try DerivedTablePruner(config: config).runOnce(on: connection, proceed: {
            batches += 1
            return batches <= 3
        })
        #expect(report.attemptMinutesRolledUp == 30 && report.total == 30)
        #expect(try DerivedTablePruner(config: config).runOnce(on: connection).attemptMinutesRolledUp == 70)
    }

    @Test func retentionSettingsThatCannotWorkAreRefused() throws {
        var config = DerivedTablePruner.Config()
        #expect(throws: Never.self) { try config.validate() }
        config.keepMinutes = .seconds(6 * 3600)
        #expect(throws: ConfigurationError.self) { try config.validate() }
        config.keepMinutes = .seconds(30 * 86_400)
        config.keepHours = .seconds(7 * 86_400)
        #expect(throws: ConfigurationError.self) { try config.validate() }
        config = DerivedTablePruner.Config()
        config.keepRecords = .seconds(3600)
        #expect(throws: ConfigurationError.self) { try config.validate() }
        var router = ExecutionRouter.Configuration()
        router.pruning.keepMinutes = .seconds(3600)
        #expect(throws: ConfigurationError.self) {
            try ExecutionRouter(settings: ConnectionSettings(conninfo: "", readOnly: false, applicationName: "t"), configuration: router)
        }
    }
}
