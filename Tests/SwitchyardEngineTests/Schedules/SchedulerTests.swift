import Foundation
import Testing
@testable import SwitchyardEngine

/// The scheduler's step, driven with an injected clock on a real server.
@Suite(.database) struct SchedulerTests {
    static let entry = TaskQueueTests.entryJSON
    static func utc(_ text: String) -> Date { PostgresTime.parse(text)! }

    func add(_ name: String, _ timing: ScheduleTiming, catchUp: CatchUpPolicy = .latest, on connection: PGConnection) throws {
        try ScheduleBook(connection: connection).add(
            NewSchedule(name: name, timing: timing, eventType: .entry, payload: Self.entry, catchUp: catchUp), actor: "test@host")
    }

    /// Moves a schedule's next run to the first after `time` (schedules start from the database's now).
    func start(_ name: String, after time: Date, on connection: PGConnection) throws {
        let schedule = try ScheduleBook(connection: connection).show(name).schedule
        let next = schedule.timing.nextRun(after: time)!
        try connection.execute("UPDATE switchyard_schedules SET next_run_at = \(next) WHERE name = \(name)")
    }

    func tradeIDs(_ name: String, on connection: PGConnection) throws -> [String] {
        try connection.execute("SELECT trade_id FROM execution_tasks WHERE trade_id LIKE \(name + "-%") ORDER BY trade_id").rows
            .map { try $0.decode("trade_id") }
    }

    @Test func cronInAZoneWithDaylightSavingRunsEachWallClockTimeOnceAcrossBothNights() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let zone = "America/New_York"
        try add("half-hourly", .cron("*/30 * * * *", timeZone: zone), on: connection)
        try add("two-thirty", .cron("30 2 * * *", timeZone: zone), on: connection)
        var config = Scheduler.Config()
        config.outageAfter = .seconds(86_400)  // the injected clock jumps minutes at a time: no outage
        let scheduler = Scheduler(routerID: "r1", config: config)
        let clock = try ZonedClock(identifier: zone)
        // Spring forward (2027-03-14, 02:00 EST -> 03:00 EDT), then fall back (2027-11-07, 02:00 EDT -> 01:00 EST),
        // each night from 23:00 to 05:00 local, the clock stepping a minute at a time.
        for (night, from, to) in [("spring", "2027-03-14 04:00:00+00", "2027-03-14 09:00:00+00"),
                                  ("fall", "2027-11-07 03:00:00+00", "2027-11-07 10:00:00+00")] {
            for name in ["half-hourly", "two-thirty"] { try start(name, after: Self.utc(from), on: connection) }
            var now = Self.utc(from)
            var runs: [ScheduleRun] = []
            while now <= Self.utc(to) {
                runs += try scheduler.runOnce(on: connection, now: now).runs
                now += 60
            }
            #expect(runs.allSatisfy { $0.outcome == .enqueued && $0.taskID != nil }, "\(night)")
            let local = runs.map { run in
                let offset = clock.secondsFromUTC(at: run.runAt)
                return "\(run.scheduleID) " + PostgresTime.format(run.runAt + TimeInterval(offset)).dropFirst(11).prefix(5)
            }
            #expect(Set(local).count == local.count, "\(night): a wall-clock time ran twice: \(local)")
        }
        let twoThirty = try tradeIDs("two-thirty", on: connection)
        // Spring: 02:30 does not exist; it runs once, at 03:00 EDT (07:00 UTC). Fall: 02:30 EST once.
        #expect(twoThirty == ["two-thirty-20270314T070000Z", "two-thirty-20271107T073000Z"])
        let halfHourly = try tradeIDs("half-hourly", on: connection)
        // Spring, after 23:00 EST to 05:00 EDT: 23:30 ... 01:30 EST, then 02:00, 02:30 and 03:00 collapse into
        // 03:00 EDT, then 03:30 ... 05:00 EDT: 5 + 1 + 4 = 10 runs. Fall, after 23:00 EDT to 05:00 EST: every half
        // hour once, 01:00 and 01:30 at their first (EDT) occurrence only: 5 + 7 = 12 runs.
        #expect(halfHourly.filter { $0.contains("202703") }.count == 10)
        #expect(halfHourly.filter { $0.contains("202711") }.count == 12)
        #expect(halfHourly.contains("half-hourly-20270314T070000Z"))
        #expect(!halfHourly.contains("half-hourly-20271107T060000Z") && !halfHourly.contains("half-hourly-20271107T063000Z"))
        #expect(Set(halfHourly).count == halfHourly.count)
    }

    @Test func eachRunEnqueuesOnceHoweverManySchedulersStep() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try add("often", .every("2s"), on: connection)
        let now = try ScheduleBook.databaseNow(connection) + 10
        // Three routers' schedulers at the same instant, each with its own connection, in parallel.
        let results = ResultBox()
        DispatchQueue.concurrentPerform(iterations: 3) { index in
            let report = try? Scheduler(routerID: "r\(index)").runOnce(on: schema.connect(), now: now)
            results.add(report?.enqueued.count ?? -100)
        }
        // The first step after a silence found five runs due and caught up the latest (the policy).
        #expect(results.values.sorted() == [0, 0, 1])
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE schedule_id IS NOT NULL") == 1)
        // The same run offered again (a step that raced, a schedule row read before it moved on): the
        // unique key on (schedule, run time) keeps it from enqueuing twice.
        let run: Date = try connection.execute("SELECT max(run_at) AS run FROM switchyard_schedule_runs WHERE outcome = 'ENQUEUED'").first!.decode("run")
        try connection.execute("UPDATE switchyard_schedules SET next_run_at = \(run)")
        let again = try Scheduler(routerID: "r9").runOnce(on: connection, now: run + 0.1)
        #expect(again.runs.isEmpty)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE schedule_id IS NOT NULL") == 1)
    }

    @Test func runsMissedWhileNoRouterWasAliveFollowEachSchedulesCatchUpPolicy() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        for policy in CatchUpPolicy.allCases { try add("p-\(policy.rawValue)", .every("2s"), catchUp: policy, on: connection) }
        let scheduler = Scheduler(routerID: "r1")
        let base = (try ScheduleBook.databaseNow(connection) + 4).timeIntervalSince1970.rounded(.down)
        let t0 = Date(timeIntervalSince1970: base - base.truncatingRemainder(dividingBy: 2) + 0.5)
        for policy in CatchUpPolicy.allCases { try start("p-\(policy.rawValue)", after: t0 - 1, on: connection) }
        // A scheduler was stepping before: no silence yet.
        _ = try scheduler.runOnce(on: connection, now: t0 - 1)
        // On time: one run each.
        let first = try scheduler.runOnce(on: connection, now: t0)
        #expect(first.enqueued.count == 3 && first.missed.isEmpty && !first.afterOutage)
        // Ten seconds with no scheduler: five runs of each fell due.
        let back = try scheduler.runOnce(on: connection, now: t0 + 10)
        #expect(back.afterOutage)
        let enqueued = Dictionary(grouping: back.enqueued, by: \.scheduleID).mapValues(\.count)
        let missed = Dictionary(grouping: back.missed, by: \.scheduleID).mapValues(\.count)
        let ids = try Dictionary(uniqueKeysWithValues: ScheduleBook(connection: connection).list().map { ($0.name, $0.id) })
        #expect(enqueued[ids["p-all"]!] == 5 && missed[ids["p-all"]!] == nil)
        #expect(enqueued[ids["p-latest"]!] == 1 && missed[ids["p-latest"]!] == 4)
        #expect(enqueued[ids["p-none"]!] == nil && missed[ids["p-none"]!] == 5)
        // The latest is the most recent run; missed runs are reported in the history and the figures.
        let latest = back.enqueued.first { $0.scheduleID == ids["p-latest"]! }!
        #expect(latest.runAt == t0 + 9.5)
        #expect(back.notices.count == 3)
        let shown = try ScheduleBook(connection: connection).show("p-none")
        #expect(shown.schedule.figures.missed == 5)
        #expect(shown.history.first?.action == "MISSED")
        #expect(shown.history.first?.detail?.hasPrefix("5 run(s) from") == true)
        // Every schedule goes on from the next run after now, on time again.
        let next = try scheduler.runOnce(on: connection, now: t0 + 11.6)
        #expect(next.enqueued.count == 3 && !next.afterOutage)
    }

    @Test func pauseResumeRunNowChangeAndRemoveAreAuditedAndDeleteNothing() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let book = ScheduleBook(connection: connection)
        try add("daily", .cron("0 9 * * MON-FRI", timeZone: "Europe/London"), on: connection)
        try book.change("daily", .pause, actor: "alice@host")
        #expect(throws: ScheduleError("Schedule \"daily\" is already paused.")) { try book.change("daily", .pause, actor: "alice@host") }
        // A paused schedule enqueues nothing when its runs fall due.
        let far = try ScheduleBook.databaseNow(connection) + 86_400 * 7
        #expect(try Scheduler(routerID: "r1").runOnce(on: connection, now: far).runs.isEmpty)
        try book.change("daily", .resume, actor: "alice@host")
        let ran = try book.change("daily", .runNow, actor: "bob@host")
        #expect(ran.taskID != nil && ran.schedule.lastRunAt != nil)
        try book.change("daily", .edit(ScheduleEdit(timing: try .every("1h"), catchUp: .none)), actor: "bob@host")
        try book.change("daily", .remove, actor: "carol@host")
        #expect(throws: ScheduleError("Schedule \"daily\" was removed; removed schedules cannot change.")) {
            try book.change("daily", .resume, actor: "alice@host")
        }
        let actions = try connection.execute("SELECT action, actor FROM switchyard_schedule_log ORDER BY id").rows
            .map { "\(try $0.decode("action", as: String.self)) \(try $0.decode("actor", as: String.self))" }
        #expect(actions == ["ADD test@host", "PAUSE alice@host", "RESUME alice@host", "RUN_NOW bob@host", "CHANGE bob@host", "REMOVE carol@host"])
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_schedules WHERE removed_at IS NOT NULL") == 1)
        #expect(try book.list().isEmpty && book.list(includeRemoved: true).count == 1)
        // The audit trail is append-only; the name is free again.
        #expect(throws: DatabaseError.self) { try connection.execute("DELETE FROM switchyard_schedule_log") }
        try add("daily", .every("1h"), on: connection)
    }

    @Test func aTaskStartingLaterIsRefusedWhenItsTimeHasPassed() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let queue = TaskQueue(connection: connection)
        var task = try NewTask(tradeID: "late", eventType: .entry, payloadJSON: Self.entry)
        task.start = .at(try ScheduleBook.databaseNow(connection) - 1)
        #expect(throws: ScheduleError.self) { try queue.enqueue(task) }
        task.start = .after(.seconds(60))
        try queue.enqueue(task)
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE available_at > now() + interval '59 seconds'") == 1)
        // Held and resumed, a SCHEDULED task keeps its time.
        let id: TaskID = try connection.execute("SELECT id FROM execution_tasks").first!.decode("id")
        try TaskActions(connection: connection).perform(.hold([id]), actor: "ops@box")
        try TaskActions(connection: connection).perform(.resume([id]), actor: "ops@box")
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE status = 'PENDING' AND available_at > now() + interval '59 seconds'") == 1)
    }
}

/// Results gathered from parallel work.
final class ResultBox: @unchecked Sendable {
    // Safe because `items` is read and written only under `lock`.
    private let lock = NSLock()
    private var items: [Int] = []
    func add(_ value: Int) { lock.withLock { items.append(value) } }
    var values: [Int] { lock.withLock { items } }
}
