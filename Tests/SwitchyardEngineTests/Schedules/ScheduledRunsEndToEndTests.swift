import Foundation
import Testing
@testable import SwitchyardEngine
import SwitchyardTestSupport

/// Tasks at a time and schedules with real routers on a real server, through the command line.
/// The timed parts run on a thread of their own (`onOwnThread`), not in a task: under a loaded
/// suite the cooperative pool (two threads here) wakes a sleeping task tens of seconds late, and a
/// blocking wait inside it would take one of those two threads from every other test.
@Suite(.database) struct ScheduledRunsEndToEndTests {
    static let entry = TaskQueueTests.entryJSON

    func router(_ schema: TestSchema, id: String) throws -> ExecutionRouter {
        var configuration = ExecutionRouter.Configuration()
        configuration.routerID = id
        configuration.claimLoops = 1
        return try ExecutionRouter(settings: schema.settings(), configuration: configuration)
    }

    @Test func aTaskInTwoSecondsStaysScheduledIsClaimedWithinASecondOfItsTimeAndNeverCountsAsLag() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let router = try router(schema, id: "r-in")
        router.start()
        let enqueue = try Executable.run(["enqueue", "--trade-id", "LATER", "--event-type", "ENTRY", "--payload", Self.entry, "--in", "2s"],
                                         environment: schema.processEnvironment)
        #expect(enqueue.status == 0, "\(enqueue.stderr)")
        #expect(enqueue.stdout.contains("SCHEDULED in 2s"))
        let availableAt: Date = try connection.execute("SELECT available_at FROM execution_tasks").first!.decode("available_at")
        // Snapshots every 50 ms until the task ran: (taken before its time, of those not counted as
        // SCHEDULED, of those with a lag).
        let seen = try await onOwnThread { () -> [Int] in
            let connection = try schema.connect()
            var (waiting, notScheduled, lagged) = (0, 0, 0)
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                let snapshot = try MonitorQueries().snapshot(on: connection)
                if snapshot.takenAt < availableAt {
                    waiting += 1
                    if snapshot.queue?.count(.pending) != 1 || snapshot.queue?.scheduled != 1 { notScheduled += 1 }
                    if snapshot.queue?.oldestEligibleAge != nil { lagged += 1 }
                }
                if snapshot.queue?.count(.success) == 1 { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
            router.requestStop()
            router.waitUntilStoppedBlocking()
            return [waiting, notScheduled, lagged]
        }
        #expect(seen[0] >= 1)
        #expect(seen[1] == 0, "a waiting task was not counted as SCHEDULED")
        #expect(seen[2] == 0, "the lag counted a task whose time has not come")
        let lateness: Double = try connection.execute(
            "SELECT extract(epoch FROM last_attempt_at::timestamptz - available_at) AS s FROM execution_tasks WHERE status = 'SUCCESS'")
            .first!.decode("s")
        #expect(lateness >= 0 && lateness < 1, "claimed \(lateness) s after its time")
        // A time in the past is refused, with what to do.
        let past = try Executable.run(["enqueue", "--trade-id", "PAST", "--event-type", "ENTRY", "--payload", Self.entry,
                                       "--at", "2020-01-01T00:00:00Z"], environment: schema.processEnvironment)
        #expect(past.status != 0 && past.stderr.contains("not in the future by the database's clock") && past.stderr.contains("--at now"))
        let now = try Executable.run(["enqueue", "--trade-id", "NOW", "--event-type", "ENTRY", "--payload", Self.entry, "--at", "now"],
                                     environment: schema.processEnvironment)
        #expect(now.status == 0 && !now.stdout.contains("SCHEDULED"))
    }

    func stop(_ routers: [ExecutionRouter]) {
        Self.stop(routers)
    }

    static func stop(_ routers: [ExecutionRouter]) {
        routers.forEach { $0.requestStop() }
        routers.forEach { $0.waitUntilStoppedBlocking() }
    }

    @Test func threeRoutersEnqueueEachRunOnceAndCatchUpAfterAnOutageByPolicy() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let first = try (1...3).map { try router(schema, id: "r\($0)") }
        let running = try await onOwnThread { () -> TimeInterval in
            first.forEach { $0.start() }
            // The three schedules a few milliseconds apart, so each has the same 20 seconds.
            let connection = try schema.connect()
            for policy in CatchUpPolicy.allCases {
                try ScheduleBook(connection: connection).add(
                    NewSchedule(name: "p-\(policy.rawValue)", timing: .every(.seconds(2)), eventType: .entry, payload: Self.entry,
                                catchUp: policy), actor: "test@host")
            }
            let started = Date()
            Thread.sleep(forTimeInterval: 20)
            Self.stop(first)
            return Date().timeIntervalSince(started)
        }
        for policy in ["all", "latest", "none"] {
            let tasks = try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE trade_id LIKE \("p-\(policy)-%")")
            #expect((9...11).contains(tasks), "p-\(policy): \(tasks) tasks in \(running) s")
        }
        #expect(try connection.count("SELECT count(*) - count(DISTINCT trade_id) AS n FROM execution_tasks") == 0)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_schedule_runs WHERE outcome = 'MISSED'") == 0)
        // Which routers enqueued: any of them may; none enqueued a run another did.
        #expect(try connection.count("SELECT count(DISTINCT router_id) AS n FROM switchyard_schedule_runs") >= 1)

        // No router for 10 seconds: five runs of each schedule fall due with nobody to enqueue them.
        let stoppedAt = try ScheduleBook.databaseNow(connection)
        let second = try (4...6).map { try router(schema, id: "r\($0)") }
        try await onOwnThread {
            Thread.sleep(forTimeInterval: 10)
            second.forEach { $0.start() }
            Thread.sleep(forTimeInterval: 3)
            Self.stop(second)
        }
        // The first step of the new routers found the runs that fell due while none was alive and handled
        // every schedule's at once (its rows share the step's clock).
        let catchUp: Date = try connection.execute("""
            SELECT min(created_at) AS at FROM switchyard_schedule_runs WHERE router_id IN ('r4', 'r5', 'r6')
            """).first!.decode("at")
        func runs(_ policy: CatchUpPolicy, _ outcome: String) throws -> Int {
            try connection.count("""
                SELECT count(*) AS n FROM switchyard_schedule_runs AS r JOIN switchyard_schedules AS s ON s.id = r.schedule_id
                WHERE s.name = \("p-\(policy.rawValue)") AND r.created_at = \(catchUp) AND r.outcome = \(outcome)
                """)
        }
        #expect(try runs(.all, "ENQUEUED") >= 5 && runs(.all, "MISSED") == 0)
        #expect(try runs(.latest, "ENQUEUED") == 1 && runs(.latest, "MISSED") >= 4)
        #expect(try runs(.none, "ENQUEUED") == 0 && runs(.none, "MISSED") >= 5)
        // None was recorded before its time.
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_schedule_runs WHERE run_at > created_at") == 0)
        #expect(try connection.count("SELECT count(*) - count(DISTINCT trade_id) AS n FROM execution_tasks") == 0)
        // Reported: a MISSED line in each schedule's history, and in `schedules show`.
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_schedule_log WHERE action = 'MISSED'") == 3)
        let shown = try Executable.run(["schedules", "show", "p-none"], environment: schema.processEnvironment)
        #expect(shown.stdout.contains("MISSED") && shown.stdout.contains("fell due while no router was alive; catch-up none"))
    }

    @Test func pauseResumeRunNowAndRemoveFromTheCommandLineAreAudited() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        var environment = schema.processEnvironment
        environment["USER"] = "carol"
        func run(_ arguments: [String]) throws -> Executable.Output {
            let output = try Executable.run(["schedules"] + arguments, environment: environment)
            #expect(output.status == 0, "\(arguments): \(output.stderr)")
            return output
        }
        _ = try run(["add", "eod", "--cron", "55 15 * * MON-FRI", "--time-zone", "America/New_York", "--event-type", "EXIT",
                     "--payload", #"{"kind":"EXIT","exit_type":"EOD","exit_price":4150}"#])
        _ = try run(["pause", "eod"])
        #expect(try run(["list"]).stdout.contains("paused"))
        _ = try run(["resume", "eod"])
        let ranNow = try run(["run-now", "eod"])
        #expect(ranNow.stdout.contains("Ran now: task"))
        _ = try run(["change", "eod", "--catch-up", "none"])
        _ = try run(["remove", "eod"])
        let actions = try connection.execute("SELECT action, actor FROM switchyard_schedule_log ORDER BY id").rows
            .map { try $0.decode("action", as: String.self) + " " + $0.decode("actor", as: String.self).prefix(6) }
        #expect(actions == ["ADD carol@", "PAUSE carol@", "RESUME carol@", "RUN_NOW carol@", "CHANGE carol@", "REMOVE carol@"])
        // The run-now task is found by the schedule's name.
        let tasks = try Executable.run(["tasks", "list", "--trade", "eod"], environment: environment)
        #expect(tasks.stdout.contains("eod-20"))
        // Removed: kept, and it says so.
        let again = try Executable.run(["schedules", "pause", "eod"], environment: environment)
        #expect(again.status != 0 && again.stderr.contains("was removed"))
        #expect(try run(["list", "--all"]).stdout.contains("removed"))
        // Bad input says what is wrong and what is right.
        let bad = try Executable.run(["schedules", "add", "x", "--cron", "0 25 * * *", "--event-type", "ENTRY", "--payload", Self.entry],
                                     environment: environment)
        #expect(bad.status != 0 && bad.stderr.contains("the hour field \"25\" has 25, outside 0-23"))
        let zone = try Executable.run(["schedules", "add", "x", "--cron", "0 9 * * *", "--time-zone", "Mars/Base", "--event-type", "ENTRY",
                                       "--payload", Self.entry], environment: environment)
        #expect(zone.status != 0 && zone.stderr.contains("is not a time zone"))
    }
}
