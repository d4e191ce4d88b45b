import Foundation
import Testing
@testable import SwitchyardEngine

@Suite(.database) struct TaskQueueTests {
    static let entryJSON = #"{"kind":"ENTRY","direction":"LONG","entry_price":4156.25,"stop_loss":4150.00,"session":"NY AM","bias":"Bullish"}"#
    static let exitJSON = #"{"kind":"EXIT","exit_type":"SL","exit_price":4150.00,"final_be_mfe":1.5,"final_no_be_mfe":2.3}"#

    @Test func aBatchEnqueueReturnsIDsInOrderAndStoresThePayloads() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let queue = TaskQueue(connection: connection)
        let ids = try queue.enqueue([
            try NewTask(tradeID: "T1", eventType: .entry, payloadJSON: Self.entryJSON),
            try NewTask(tradeID: "T1", eventType: .exit, payloadJSON: Self.exitJSON, maxAttempts: 2),
        ])
        #expect(ids.count == 2 && ids[0] < ids[1])
        let rows = try connection.execute("SELECT id, event_type, status, max_attempts, payload->>'kind' AS kind FROM execution_tasks ORDER BY id").rows
        #expect(try rows.map { try $0.decode("event_type", as: String.self) } == ["ENTRY", "EXIT"])
        #expect(try rows.map { try $0.decode("kind", as: String.self) } == ["ENTRY", "EXIT"])
        #expect(try rows.map { try $0.decode("max_attempts", as: Int.self) } == [5, 2])
        #expect(try rows.map { try $0.decode("status", as: String.self) } == ["PENDING", "PENDING"])
    }

    @Test func payloadErrorsNameTheBadField() throws {
        func field(_ json: String, _ type: EventType = .entry) -> String? {
            do { _ = try NewTask(tradeID: "T", eventType: type, payloadJSON: json); return "accepted" }
            catch let error as PayloadError { return error.field ?? "payload" }
            catch { return "other" }
        }
        #expect(field(#"{"kind":"ENTRY","direction":"LONG","stop_loss":1}"#) == "entry_price")
        #expect(field(#"{"kind":"ENTRY","direction":"UP","entry_price":2,"stop_loss":1}"#) == "direction")
        #expect(field(#"{"kind":"ENTRY","direction":"LONG","entry_price":2,"stop_loss":2}"#) == "stop_loss")
        #expect(field(#"{"kind":"ENTRY","direction":"LONG","entry_price":"abc","stop_loss":2}"#) == "entry_price")
        #expect(field(#"{"kind":"TRADE"}"#) == "kind")
        #expect(field(#"{"kind":"EXIT","exit_type":"SL","exit_price":1}"#) == "kind")
        #expect(field(#"{"kind":"EXIT","exit_type":"SL"}"#, .exit) == "exit_price")
        #expect(field("[1,2]") == "payload")
        #expect(field("{not json") == "payload")
        #expect(field(Self.entryJSON) == "accepted")
        #expect(field(Self.exitJSON, .exit) == "accepted")
    }

    @Test func aClaimLeasesTasksAndCountsTheAttempt() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let queue = TaskQueue(connection: connection)
        try queue.enqueue((0..<5).map { try NewTask(tradeID: "T\($0)", eventType: .entry, payloadJSON: Self.entryJSON) })
        let first = try queue.claim(limit: 3, routerID: "r1", lease: .seconds(30))
        let second = try queue.claim(limit: 10, routerID: "r2", lease: .seconds(30))
        #expect(first.count == 3 && second.count == 2)
        #expect(Set(first.map(\.id)).isDisjoint(with: second.map(\.id)))
        #expect(first.allSatisfy { $0.attempts == 1 })
        let running = try connection.execute("SELECT count(*) AS n FROM execution_tasks WHERE status = 'RUNNING' AND locked_until > now()").first!.decode("n", as: Int.self)
        #expect(running == 5)
    }

    @Test func tasksInsertedByPlainSQLAreClaimed() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        try connection.execute("""
            INSERT INTO execution_tasks (trade_id, event_type, payload) VALUES ('SEED-1', 'ENTRY', \(Self.entryJSON)::jsonb)
            """)
        let claimed = try TaskQueue(connection: connection).claim(limit: 10, routerID: "r1", lease: .seconds(30))
        #expect(claimed.map(\.tradeID) == ["SEED-1"])
    }

    @Test func anExitWaitsForItsTradesUnfinishedEntry() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let queue = TaskQueue(connection: connection)
        let ids = try queue.enqueue([
            try NewTask(tradeID: "T1", eventType: .entry, payloadJSON: Self.entryJSON),
            try NewTask(tradeID: "T1", eventType: .exit, payloadJSON: Self.exitJSON),
        ])
        let first = try queue.claim(limit: 10, routerID: "r1", lease: .seconds(30))
        #expect(first.map(\.id) == [ids[0]])
        #expect(try queue.claim(limit: 10, routerID: "r1", lease: .seconds(30)).isEmpty)
        let outcome = TaskOutcome(taskID: ids[0], result: .succeeded, logs: [
            AttemptLog(taskID: ids[0], account: "acct-a", status: .success, responseCode: 200, message: "accepted")])
        let report = try queue.complete([outcome], claimed: [ids[0]: first[0]], routerID: "r1")
        #expect(report.succeeded == [ids[0]])
        let exit = try queue.claim(limit: 10, routerID: "r1", lease: .seconds(30))
        #expect(exit.map(\.id) == [ids[1]])
        #expect(exit.first?.entryAcceptedAccounts == ["acct-a"])
    }

    @Test func aFailureRetriesWithBackoffOnTheDatabasesClockThenFailsWhenAttemptsRunOut() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let queue = TaskQueue(connection: connection)
        let id = try queue.enqueue(try NewTask(tradeID: "T1", eventType: .entry, payloadJSON: Self.entryJSON, maxAttempts: 2))
        let policy = RetryPolicy(base: .seconds(10), cap: .seconds(60), jitter: 0)
        var claimed = try queue.claim(limit: 1, routerID: "r1", lease: .seconds(30))
        let failure = TaskOutcome(taskID: id, result: .failed("account rejected"), logs: [])
        var report = try queue.complete([failure], claimed: [id: claimed[0]], routerID: "r1", retryPolicy: policy)
        #expect(report.retrying == [id])
        // Ten seconds from the server's now(), whatever this host's clock says.
        #expect(try connection.count("""
            SELECT count(*) AS n FROM execution_tasks
            WHERE id = \(id) AND available_at BETWEEN now() + interval '9 seconds' AND now() + interval '10 seconds'
            """) == 1)
        #expect(try queue.claim(limit: 1, routerID: "r1", lease: .seconds(30)).isEmpty)
        let wait = try #require(try queue.timeUntilNextAvailable())
        #expect(wait > .seconds(9) && wait <= .seconds(10))
        // The backoff has passed.
        try connection.execute("UPDATE execution_tasks SET available_at = now() - interval '1 second' WHERE id = \(id)")
        claimed = try queue.claim(limit: 1, routerID: "r1", lease: .seconds(30))
        #expect(claimed.first?.attempts == 2)
        report = try queue.complete([failure], claimed: [id: claimed[0]], routerID: "r1", retryPolicy: policy)
        #expect(report.failed == [id])
        let row = try connection.execute("SELECT status, last_error, finished_at FROM execution_tasks WHERE id = \(id)").first!
        #expect(try row.decode("status", as: String.self) == "FAILED")
        #expect(try row.decode("last_error", as: String.self).contains("account rejected"))
        #expect(try row.decodeIfPresent("finished_at", as: Date.self) != nil)
        #expect(try queue.timeUntilNextAvailable() == nil)
    }

    @Test func aCompletionByARouterThatLostTheLeaseChangesNothing() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let queue = TaskQueue(connection: connection)
        let id = try queue.enqueue(try NewTask(tradeID: "T1", eventType: .entry, payloadJSON: Self.entryJSON))
        let claimed = try queue.claim(limit: 1, routerID: "dead", lease: .milliseconds(1))
        try connection.execute("SELECT pg_sleep(0.01)")
        let rescued = try queue.rescueExpired(by: "r2")
        #expect(rescued == [id])
        let report = try queue.complete([TaskOutcome(taskID: id, result: .succeeded, logs: [])], claimed: [id: claimed[0]],
                                        routerID: "dead")
        #expect(report.lost == [id] && report.succeeded.isEmpty)
        let log = try connection.execute("SELECT router_id, actor, status FROM execution_logs WHERE event = 'RECOVERED'").rows
        #expect(try log.map { try $0.decode("router_id", as: String.self) } == ["dead"])
        #expect(try log.map { try $0.decode("status", as: String.self) } == ["RETRYING"])
        let status = try connection.execute("SELECT status FROM execution_tasks WHERE id = \(id)").first!.decode("status", as: String.self)
        #expect(status == "RETRYING")
    }

    @Test func aStaleCompletionOfAnEarlierClaimByTheSameRouterIsLost() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let queue = TaskQueue(connection: connection)
        let id = try queue.enqueue(try NewTask(tradeID: "T1", eventType: .entry, payloadJSON: Self.entryJSON))
        let first = try queue.claim(limit: 1, routerID: "r1", lease: .milliseconds(1))
        try connection.execute("SELECT pg_sleep(0.01)")
        #expect(try queue.rescueExpired(by: "r1") == [id])
        let second = try queue.claim(limit: 1, routerID: "r1", lease: .seconds(30))
        #expect(second.first?.attempts == 2)
        // The first claim's result arrives late: the attempt number fences it off.
        let late = try queue.complete([TaskOutcome(taskID: id, result: .succeeded, logs: [])], claimed: [id: first[0]], routerID: "r1")
        #expect(late.lost == [id])
        let current = try queue.complete([TaskOutcome(taskID: id, result: .succeeded, logs: [])], claimed: [id: second[0]], routerID: "r1")
        #expect(current.succeeded == [id])
    }

    @Test func aSecondAcceptanceForTheSameAccountIsNeverRecorded() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let queue = TaskQueue(connection: connection)
        let id = try queue.enqueue(try NewTask(tradeID: "T1", eventType: .entry, payloadJSON: Self.entryJSON))
        let accepted = AttemptLog(taskID: id, account: "acct-a", status: .success, responseCode: 200, message: "accepted")
        var claimed = try queue.claim(limit: 1, routerID: "r1", lease: .seconds(30))
        _ = try queue.complete([TaskOutcome(taskID: id, result: .failed("acct-b down"), logs: [accepted])],
                               claimed: [id: claimed[0]], routerID: "r1", retryPolicy: RetryPolicy(base: .zero, cap: .zero, jitter: 0))
        claimed = try queue.claim(limit: 1, routerID: "r1", lease: .seconds(30))
        #expect(claimed.first?.acceptedAccounts == ["acct-a"])
        let report = try queue.complete([TaskOutcome(taskID: id, result: .succeeded, logs: [accepted])],
                                        claimed: [id: claimed[0]], routerID: "r1")
        #expect(report.duplicateAcceptances == 1)
        let count = try connection.execute("SELECT count(*) AS n FROM execution_logs WHERE status = 'SUCCESS' AND account = 'acct-a'").first!.decode("n", as: Int.self)
        #expect(count == 1)
    }

    @Test func theAuditLogRejectsUpdateAndDelete() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let id = try TaskQueue(connection: connection).enqueue(try NewTask(tradeID: "T1", eventType: .entry, payloadJSON: Self.entryJSON))
        try connection.execute("INSERT INTO execution_logs (task_id, status) VALUES (\(id), 'SUCCESS')")
        #expect(throws: DatabaseError.self) { try connection.execute("UPDATE execution_logs SET status = 'FAILED'") }
        #expect(throws: DatabaseError.self) { try connection.execute("DELETE FROM execution_logs") }
        let count = try connection.execute("SELECT count(*) AS n FROM execution_logs WHERE status = 'SUCCESS'").first!.decode("n", as: Int.self)
        #expect(count == 1)
    }
}
