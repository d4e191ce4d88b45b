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
        #expect(report.skipped == [done: .status(.success)])
        #expect(report.summary == "Retried 1 task; skipped 1 that is SUCCESS (\(done)).")
    }

    @Test func retryingAnEntryWhoseExitRanIsRefused() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let entry = try task(.failed, connection, trade: "T9")
        _ = try task(.success, connection, trade: "T9", type: .exit)
        #expect(throws: ActionError.self) { try TaskActions(connection: connection).perform(.retry([entry]), actor: "a@b") }
        let report = try TaskActions(connection: connection).perform(.retryMatching(TaskFilter(tradeIDContains: "T9")), actor: "a@b")
        #expect(report.changed.isEmpty && report.skipped[entry] == .exitAlreadyRan)
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

    /// Resume returns a task to the state it was held from: a FAILED task stays finished (held
    /// only to keep it out of retry-all), a waiting one waits again. A task held before that
    /// state was kept (`held_from` NULL) resumes to PENDING, as it always did.
    @Test func resumeReturnsATaskToTheStateItWasHeldFrom() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let actions = TaskActions(connection: connection)
        let pending = try task(.pending, connection, trade: "A")
        let retrying = try task(.retrying, connection, trade: "B")
        let failed = try task(.failed, connection, trade: "C")
        let heldLongAgo = try task(.held, connection, trade: "D")
        try connection.execute("UPDATE execution_tasks SET finished_at = now() - interval '1 hour' WHERE id = \(failed)")
        func row(_ id: TaskID) throws -> String {
            let row = try connection.execute("""
                SELECT status, coalesce(held_from, '-') AS held_from, finished_at IS NOT NULL AS finished
                FROM execution_tasks WHERE id = \(id)
                """).first!
            return "\(try row.decode("status", as: String.self)) \(try row.decode("held_from", as: String.self)) "
                + (try row.decode("finished", as: Bool.self) ? "finished" : "open")
        }
        try actions.perform(.hold([pending, retrying, failed]), actor: "ops@box")
        #expect(try [pending, retrying, failed].map(row) == ["HELD PENDING open", "HELD RETRYING open", "HELD FAILED finished"])

        let preview = try actions.preview(.resume([failed]))
        #expect(preview.consequences == ["It returns to FAILED, the state it was held from, and does not run; retry it to run it again."])
        let report = try actions.perform(.resume([pending, retrying, failed, heldLongAgo]), actor: "ops@box")
        #expect(report.changed == [pending, retrying, failed, heldLongAgo])
        #expect(report.summary == "Resumed 4 tasks (\(failed) back to FAILED, the state it was held from; retry to run it).")
        #expect(try [pending, retrying, failed, heldLongAgo].map(row)
                == ["PENDING - open", "RETRYING - open", "FAILED - finished", "PENDING - open"])
        let body = try connection.execute("""
            SELECT response_body FROM execution_logs WHERE task_id = \(failed) AND event = 'RESUMED'
            """).first!.decode("response_body", as: String.self)
        #expect(body == "Resumed by ops@box to FAILED, the state it was held from (was HELD).")
        // Held from FAILED, it stays out of retry-all; resumed, retry-all takes it again.
        try actions.perform(.hold([failed]), actor: "ops@box")
        #expect(try actions.perform(.retryMatching(TaskFilter()), actor: "ops@box").changed.isEmpty)
        try actions.perform(.resume([failed]), actor: "ops@box")
        #expect(try actions.perform(.retryMatching(TaskFilter()), actor: "ops@box").changed == [failed])
        #expect(try row(failed) == "PENDING - open")
    }

    /// Against a schema from before migration 13 (no `held_from`), an action says to migrate
    /// and changes nothing.
    @Test func anActionOnAnOlderSchemaSaysToMigrate() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let id = try task(.failed, connection)
        try Migrator().down(to: 12, on: connection)
        do {
            try TaskActions(connection: connection).perform(.hold([id]), actor: "ops@box")
            Issue.record("a hold without held_from was accepted")
        } catch let error as ActionError {
            #expect(error.message.hasPrefix("This database's schema is older than this switchyard ("), "\(error.message)")
            #expect(error.message.hasSuffix("nothing was changed. Run `switchyard migrate up`, then try again."))
        }
        #expect(try status(id, connection) == "FAILED")
        #expect(try audit(id, connection).isEmpty)
    }

    @Test func resumingManyFailedTasksNamesAFewOfThem() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let actions = TaskActions(connection: connection)
        let ids = try (1...5).map { try task(.failed, connection, trade: "T\($0)") }
        try actions.perform(.hold(ids), actor: "ops@box")
        #expect(try actions.perform(.resume(ids), actor: "ops@box").summary
                == "Resumed 5 tasks (\(ids[0]), \(ids[1]), \(ids[2]), ... (5 in all) back to FAILED, the state they were held "
                    + "from; retry to run them).")
    }
}
