import Foundation
import Testing
@testable import SwitchyardEngine

@Suite(.database) struct TaskActionsTests {
    static let entryJSON = TaskQueueTests.entryJSON
    static let exitJSON = TaskQueueTests.exitJSON

    func status(_ id: TaskID, _ connection: PGConnection) throws -> String {
        try connection.execute("SELECT status FROM execution_tasks WHERE id = \(id)").first!.decode("status")
    }

    func audit(_ id: TaskID, _ connection: PGConnection) throws -> [String] {
        try connection.execute("SELECT event, actor FROM execution_logs WHERE task_id = \(id) ORDER BY id").rows.map {
            "\(try $0.decode("event", as: String.self)) by \(try $0.decodeIfPresent("actor", as: String.self) ?? "-")"
        }
    }

    /// A task moved to `status` by plain SQL, as a fixture.
    func task(_ status: TaskStatus, _ connection: PGConnection, trade: String = "T1", type: EventType = .entry) throws -> TaskID {
        let json = type == .entry ? Self.entryJSON : Self.exitJSON
        let id = try TaskQueue(connection: connection).enqueue(try NewTask(tradeID: trade, eventType: type, payloadJSON: json))
        try connection.execute("UPDATE execution_tasks SET status = \(status.rawValue), attempts = 1 WHERE id = \(id)")
        return id
    }

    @Test func retryDeadLetterHoldAndResumeAreAuditedWithTheActor() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let actions = TaskActions(connection: connection)
        let id = try task(.failed, connection)
        let retried = try actions.perform(.retry([id]), actor: "alice@box")
        #expect(retried.changed == [id])
        #expect(try status(id, connection) == "PENDING")
        try actions.perform(.hold([id]), actor: "bob@box")
        #expect(try status(id, connection) == "HELD")
        try actions.perform(.resume([id]), actor: "bob@box")
        #expect(try status(id, connection) == "PENDING")
        try actions.perform(.deadLetter([id], reason: "poison"), actor: "carol@box")
        #expect(try status(id, connection) == "DEAD")
        let reason = try connection.execute("SELECT dead_letter_reason FROM execution_tasks WHERE id = \(id)").first!.decode("dead_letter_reason", as: String.self)
        #expect(reason == "poison")
        #expect(try audit(id, connection) == ["RETRY_REQUESTED by alice@box", "HELD by bob@box", "RESUMED by bob@box",
                                               "DEAD_LETTERED by carol@box"])
        let rows = try connection.execute("SELECT count(*) AS n FROM execution_tasks").first!.decode("n", as: Int.self)
        #expect(rows == 1)
    }

    /// Every time an action writes is the transaction's `now()`, the same as its `updated_at`:
    /// the database's clock, never the operator's host's.
    @Test func actionsStampTimesWithTheDatabaseClock() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let actions = TaskActions(connection: connection)
        let id = try task(.failed, connection)
        func stampsMatchUpdatedAt(_ columns: [String]) throws -> Bool {
            let checks = columns.map { "\($0) = updated_at::timestamptz" }.joined(separator: " AND ")
            let query: Query = "SELECT \(unescaped: checks) AS same FROM execution_tasks WHERE id = \(id)"
            return try connection.execute(query).first!.decode("same")
        }
        try actions.perform(.retry([id]), actor: "alice@box")
        #expect(try stampsMatchUpdatedAt(["available_at"]))
        try actions.perform(.hold([id]), actor: "alice@box")
        try connection.execute("UPDATE execution_tasks SET available_at = '2000-01-01' WHERE id = \(id)")
        try actions.perform(.resume([id]), actor: "alice@box")
        #expect(try stampsMatchUpdatedAt(["available_at"]))
        try actions.perform(.deadLetter([id], reason: "poison"), actor: "alice@box")
        #expect(try stampsMatchUpdatedAt(["dead_lettered_at", "finished_at"]))
    }

    @Test func aSingleTaskInTheWrongStateIsAClearError() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let id = try task(.success, connection)
        do {
            try TaskActions(connection: connection).perform(.retry([id]), actor: "alice@box")
            Issue.record("retrying a SUCCESS task was accepted")
        } catch let error as ActionError {
            #expect(error.message.contains("is SUCCESS"))
        }
        #expect(try status(id, connection) == "SUCCESS")
        #expect(try audit(id, connection).isEmpty)
    }

    @Test func aBulkActionReportsTasksWhoseStateMovedOn() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let failed = try task(.failed, connection, trade: "A")
        let done = try task(.success, connection, trade: "B")
        let report = try TaskActions(connection: connection).perform(.retry([failed, done]), actor: "alice@box")
        #expect(report.changed == [failed])
        #expect(report.skipped == [done: "is SUCCESS"])
        #expect(report.summary.contains("skipped 1"))
    }

    @Test func retryingAnEntryWhoseExitRanIsRefused() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let entry = try task(.failed, connection, trade: "T9")
        _ = try task(.success, connection, trade: "T9", type: .exit)
        #expect(throws: ActionError.self) { try TaskActions(connection: connection).perform(.retry([entry]), actor: "a@b") }
        let report = try TaskActions(connection: connection).perform(.retryMatching(TaskFilter(tradeIDContains: "T9")), actor: "a@b")
        #expect(report.changed.isEmpty && report.skipped[entry]?.contains("EXIT already ran") == true)
        #expect(try status(entry, connection) == "FAILED")
    }

    @Test func retryMatchingAFilterPreviewsAndRetriesOnlyMatchingFailedTasks() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let a = try task(.failed, connection, trade: "ES-1")
        let b = try task(.failed, connection, trade: "NQ-1")
        let c = try task(.pending, connection, trade: "ES-2")
        let actions = TaskActions(connection: connection)
        let filter = TaskFilter(eventType: .entry, tradeIDContains: "es-")
        let preview = try actions.preview(.retryMatching(filter))
        #expect(preview.matching == 1 && preview.question.contains("FAILED ENTRY"))
        let report = try actions.perform(.retryMatching(filter), actor: "a@b")
        #expect(report.changed == [a])
        #expect(try status(b, connection) == "FAILED")
        #expect(try status(c, connection) == "PENDING")
    }

    @Test func pauseAndResumeAreRecordedAndObeyedByTheClaim() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let actions = TaskActions(connection: connection)
        let queue = TaskQueue(connection: connection)
        try queue.enqueue([try NewTask(tradeID: "A", eventType: .entry, payloadJSON: Self.entryJSON),
                           try NewTask(tradeID: "B", eventType: .exit, payloadJSON: Self.exitJSON)])
        try actions.perform(.pauseRouter(reason: "maintenance"), actor: "ops@box")
        #expect(try queue.claim(limit: 10, routerID: "r", lease: .seconds(30)).isEmpty)
        try actions.perform(.resumeRouter, actor: "ops@box")
        try actions.perform(.pauseEventType(.entry, reason: nil), actor: "ops@box")
        #expect(try queue.claim(limit: 10, routerID: "r", lease: .seconds(30)).map(\.eventType) == [.exit])
        try actions.perform(.resumeEventType(.entry), actor: "ops@box")
        #expect(try queue.claim(limit: 10, routerID: "r", lease: .seconds(30)).map(\.eventType) == [.entry])
        let log = try connection.execute("SELECT action, coalesce(event_type, '-') AS t, actor FROM switchyard_control_log ORDER BY id").rows
            .map { "\(try $0.decode("action", as: String.self)) \(try $0.decode("t", as: String.self)) \(try $0.decode("actor", as: String.self))" }
        #expect(log == ["PAUSE - ops@box", "RESUME - ops@box", "PAUSE ENTRY ops@box", "RESUME ENTRY ops@box"])
        let control = try connection.execute("SELECT global_paused, cardinality(paused_event_types) AS n FROM switchyard_control").first!
        #expect(try control.decode("global_paused", as: Bool.self) == false)
        #expect(try control.decode("n", as: Int.self) == 0)
    }

    /// A switch's preview says what confirming does, from the database: never "nothing matches".
    @Test func switchPreviewsSayWhatConfirmingDoes() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let actions = TaskActions(connection: connection)
        _ = try task(.pending, connection, trade: "A")
        _ = try task(.retrying, connection, trade: "B", type: .exit)
        _ = try task(.running, connection, trade: "C")
        _ = try task(.success, connection, trade: "D")
        try connection.execute("""
            INSERT INTO switchyard_routers (id, host, pid, live_until) VALUES
                ('live-1', 'h1', 1, now() + interval '30 seconds'), ('live-2', 'h2', 2, now() + interval '30 seconds'),
                ('gone', 'h3', 3, now() - interval '1 minute')
            """)

        let pause = try actions.preview(.pauseRouter(reason: "maintenance"))
        #expect(pause.question == "Pause every router?")
        #expect(pause.consequences == ["The 2 live routers stop claiming within one poll interval; the 1 RUNNING tasks finish.",
                                       "2 tasks waiting (PENDING or RETRYING) stay waiting until you resume."])
        #expect(pause.matching == 2)

        let exit = try actions.preview(.pauseEventType(.exit, reason: nil))
        #expect(exit.consequences == ["1 EXIT tasks waiting (PENDING or RETRYING) stay waiting until you resume; "
                                        + "nothing is in flight.", "Other tasks keep being claimed."])

        try actions.perform(.pauseRouter(reason: "maintenance"), actor: "ops@box")
        try actions.perform(.pauseEventType(.exit, reason: nil), actor: "ops@box")
        #expect(try actions.preview(.pauseRouter(reason: nil)).consequences
                == ["Every router is already paused; confirming changes only who paused it and why."])
        #expect(try actions.preview(.resumeRouter).consequences
                == ["The 2 live routers claim again: 2 tasks waiting (PENDING or RETRYING).",
                    "EXIT tasks stay paused; resume them separately."])
        #expect(try actions.preview(.resumeEventType(.exit)).consequences
                == ["1 EXIT tasks waiting (PENDING or RETRYING); every router is still paused, so none is claimed "
                        + "until that is resumed too."])
        #expect(try actions.preview(.resumeEventType(.entry)).consequences
                == ["ENTRY tasks are not paused; confirming changes nothing."])
        // A preview changes nothing.
        let log = try connection.execute("SELECT count(*) AS n FROM switchyard_control_log").first!.decode("n", as: Int.self)
        #expect(log == 2)
    }
}
