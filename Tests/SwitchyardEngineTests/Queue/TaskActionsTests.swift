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
}
