import Foundation
import Testing
@testable import SwitchyardEngine

/// Each part of the router, driven through its step function: no router running, no sleeping
/// and polling; times are the database's.
@Suite(.database) struct RouterPartsTests {
    func enqueueEntries(_ count: Int, on connection: PGConnection) throws -> [TaskID] {
        try TaskQueue(connection: connection).enqueue((0..<count).map {
            try NewTask(tradeID: "T\($0)", eventType: .entry, payloadJSON: TaskQueueTests.entryJSON)
        })
    }

    @Test func theClaimerGrowsWhileClaimsComeBackFullAndShrinksWhenTheyDoNot() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        _ = try enqueueEntries(100, on: connection)
        var config = TaskClaimer.Config()
        (config.minimum, config.maximum) = (10, 40)
        var claimer = TaskClaimer(routerID: "r1", config: config)
        var sizes: [Int] = []
        for _ in 0..<6 { sizes.append(try claimer.runOnce(on: connection).count) }
        // 10, 20, 40 (the cap), 30 (what was left), then nothing.
        #expect(sizes == [10, 20, 40, 30, 0, 0])
        #expect(claimer.nextLimit == 10)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'RUNNING' AND locked_by = 'r1'") == 100)
    }

    @Test func aFixedClaimerAlwaysAsksForItsBatchSize() {
        var config = TaskClaimer.Config()
        (config.maximum, config.fixed) = (25, true)
        var claimer = TaskClaimer(routerID: "r1", config: config)
        #expect(claimer.nextLimit == 25)
        claimer.adapt(claimed: 3, asked: 25)
        #expect(claimer.nextLimit == 25)
        var adaptive = TaskClaimer(routerID: "r1", config: TaskClaimer.Config())
        adaptive.adapt(claimed: 10, asked: 10)
        adaptive.adapt(claimed: 20, asked: 20)
        #expect(adaptive.nextLimit == 40)
        adaptive.adapt(claimed: 1, asked: 40)
        #expect(adaptive.nextLimit == TaskClaimer.Config().minimum)
    }

    @Test func theCompleterWritesStatusesAndAuditRowsOfABatch() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let ids = try enqueueEntries(3, on: connection)
        var claimer = TaskClaimer(routerID: "r1", config: TaskClaimer.Config())
        let claimed = try claimer.runOnce(on: connection)
        #expect(claimed.map(\.id) == ids)
        let accepted = { (id: TaskID) in AttemptLog(taskID: id, account: "a", status: .success, responseCode: 200, message: "ok") }
        let outcomes = [
            TaskOutcome(taskID: ids[0], result: .succeeded, logs: [accepted(ids[0])]),
            TaskOutcome(taskID: ids[1], result: .failed("refused"), logs: [
                AttemptLog(taskID: ids[1], account: "a", status: .failed, responseCode: 503, message: "refused")]),
            TaskOutcome(taskID: ids[2], result: .failedPermanently("bad payload"), logs: []),
        ]
        let completer = TaskCompleter(routerID: "r1", retryPolicy: RetryPolicy(base: .seconds(30), cap: .seconds(30), jitter: 0))
        let report = try completer.runOnce(outcomes, of: claimed, on: connection)
        #expect(report.succeeded == [ids[0]] && report.retrying == [ids[1]] && report.failed == [ids[2]])
        #expect(report.lost.isEmpty && report.duplicateAcceptances == 0)
        let statuses = try connection.execute("SELECT status FROM execution_tasks ORDER BY id").rows.map { try $0.decode("status", as: String.self) }
        #expect(statuses == ["SUCCESS", "RETRYING", "FAILED"])
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE locked_by IS NOT NULL OR locked_until IS NOT NULL") == 0)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE finished_at IS NOT NULL") == 2)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs WHERE event = 'ATTEMPT' AND router_id = 'r1'") == 2)
        // Written twice (a retried write-back): the tasks are no longer this claim's, nothing changes.
        let again = try completer.runOnce(outcomes, of: claimed, on: connection)
        #expect(again.lost == ids && again.duplicateAcceptances == 1)
    }

    @Test func theLeaseKeeperExtendsLeasesAndKeepsTheRouterLiveOnTheDatabasesClock() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let ids = try enqueueEntries(3, on: connection)
        let claimed = try TaskQueue(connection: connection).claim(limit: 2, routerID: "r1", lease: .seconds(1))
        var config = LeaseKeeper.Config()
        config.lease = .seconds(30)
        let keeper = LeaseKeeper(routerID: "r1", config: config, dryRun: true)
        // Asked to extend three tasks, it extends the two this router holds.
        let beat = try keeper.runOnce(on: connection, inFlight: ids, processed: 7)
        #expect(beat == LeaseKeeper.Beat(paused: false, pausedEventTypes: [], leasesExtended: claimed.count))
        #expect(try connection.count("""
            SELECT count(*) AS n FROM execution_tasks
            WHERE locked_by = 'r1' AND locked_until BETWEEN now() + interval '29 seconds' AND now() + interval '30 seconds'
            """) == 2)
        #expect(try connection.count("""
            SELECT count(*) AS n FROM switchyard_routers
            WHERE id = 'r1' AND processed = 7 AND in_flight = 3 AND stopped_at IS NULL
              AND live_until BETWEEN now() + interval '29 seconds' AND now() + interval '30 seconds'
            """) == 1)
        let queries = MonitorQueries()
        func live() throws -> Bool? {
            let snapshot = try queries.snapshot(on: connection)
            return snapshot.routers?.first { $0.id == "r1" }?.isLive
        }
        #expect(try live() == true)
        // Its promise lapses (the router died): not live, and --fail-if-no-router trips.
        try connection.execute("UPDATE switchyard_routers SET live_until = now() - interval '1 second' WHERE id = 'r1'")
        #expect(try live() == false)
        let snapshot = try MonitorQueries().snapshot(on: connection)
        #expect(SnapshotThresholds(requireRouter: true).violations(in: snapshot).count == 1)
        // The next heartbeat makes it live again; a stop makes it not live at once.
        _ = try keeper.runOnce(on: connection, inFlight: [], processed: 7)
        #expect(try live() == true)
        try RouterSwitches(connection: connection).perform(.pauseRouter(reason: "test"), actor: "ops@box")
        #expect(try keeper.runOnce(on: connection, inFlight: [], processed: 7).paused)
        try keeper.markStopped(on: connection, processed: 9)
        #expect(try live() == false)
    }

    @Test func theRescuerTakesBackOnlyExpiredLeases() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        _ = try enqueueEntries(3, on: connection)
        let queue = TaskQueue(connection: connection)
        let dead = try queue.claim(limit: 2, routerID: "dead", lease: .milliseconds(1))
        let alive = try queue.claim(limit: 1, routerID: "alive", lease: .seconds(30))
        try connection.execute("SELECT pg_sleep(0.01)")
        let rescuer = LeaseRescuer(rescuerID: "r2")
        #expect(try rescuer.runOnce(on: connection) == dead.map(\.id))
        #expect(try rescuer.runOnce(on: connection).isEmpty)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_logs WHERE event = 'RECOVERED' AND actor = 'r2' AND router_id = 'dead'") == 2)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'RUNNING' AND locked_by = 'alive' AND id = \(alive[0].id)") == 1)
    }

    @Test func theNotifierWakesWaitersForANotificationAndForALocalChange() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let notifier = TaskNotifier(settings: schema.settings(), channels: NotificationChannel.router)
        // The first step connects and listens; whatever happened before is unknown, so it wakes.
        let before = notifier.mark
        // (Channels are database-wide: what other tests notify may already arrive in this step.)
        _ = try notifier.runOnce(timeout: .zero)
        #expect(notifier.isListening && notifier.mark != before)
        // Channels are database-wide: tests in other schemas notify too, so look for our own.
        let mark = notifier.mark
        _ = try enqueueEntries(2, on: connection)
        var ours: [PostgresNotification] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while ours.isEmpty, ContinuousClock.now < deadline {
            ours = try notifier.runOnce(timeout: .seconds(1)).filter { $0.senderPID == connection.backendPID }
        }
        #expect(ours.map(\.channel) == [NotificationChannel.tasks.rawValue])
        #expect(notifier.wait(after: mark, timeout: .zero).changed)
        // Audit rows are not a router's business: this notifier does not listen for them.
        try connection.execute("INSERT INTO execution_logs (task_id, status) SELECT min(id), 'SUCCESS' FROM execution_tasks")
        let unrelated = try notifier.runOnce(timeout: .milliseconds(200)).filter { $0.senderPID == connection.backendPID }
        #expect(unrelated.isEmpty, "\(unrelated)")
        let quiet = notifier.mark
        notifier.wakeAll()
        #expect(notifier.wait(after: quiet, timeout: .zero).changed)
    }

    @Test func aStartedNotifierStopsAtOnceAndAWaitEndsAtItsTimeout() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let notifier = TaskNotifier(settings: schema.settings())
        #expect(!notifier.wait(after: notifier.mark, timeout: .milliseconds(50)).changed)
        notifier.start()
        // Once listening (its first connection wakes the waiters), it stops without waiting out its poll().
        let connected = notifier.wait(after: 0, timeout: .seconds(10))
        #expect(connected.changed)
        notifier.stop()
        notifier.stop()
        #expect(!notifier.isListening)
    }
}
