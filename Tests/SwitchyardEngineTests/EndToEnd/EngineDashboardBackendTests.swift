import Foundation
import Testing
@testable import SwitchyardEngine
import SwitchyardTUI

/// The dashboard's database-backed backend, against the real server.
@Suite(.database) struct EngineDashboardBackendTests {
    func failedTask(_ trade: String, _ connection: PGConnection) throws -> TaskID {
        let id = try TaskQueue(connection: connection).enqueue(
            try NewTask(tradeID: trade, eventType: .entry, payloadJSON: TaskQueueTests.entryJSON))
        try connection.execute("UPDATE execution_tasks SET status = 'FAILED', attempts = 5, last_error = 'refused' WHERE id = \(id)")
        return id
    }

    @Test func readsPreviewsAndPerformsWithTheOperatorAsActor() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let id = try failedTask("B-1", connection)
        let backend = EngineDashboardBackend(settings: schema.settings(), actor: "alice@box (from 10.0.0.9)")
        defer { backend.close() }

        let snapshot = try await backend.loadSnapshot(filter: TaskFilter())
        #expect(snapshot.failedTasks?.map(\.id) == [id])
        #expect(try await backend.loadTaskDetail(id: id).summary.tradeID == "B-1")
        #expect(try await backend.listTasks(filter: TaskFilter(statuses: [.failed]), limit: 10).map(\.id) == [id])

        let preview = try await backend.preview(.retry([id]))
        #expect(preview.matching == 1)
        #expect(preview.question == "Retry task \(id)?")
        let report = try await backend.perform(.retry([id]))
        #expect(report.changed == [id])
        let actor: String = try connection.execute(
            "SELECT actor FROM execution_logs WHERE task_id = \(id) AND event = 'RETRY_REQUESTED'").first!.decode("actor")
        #expect(actor == "alice@box (from 10.0.0.9)")

        // Its state moved on: retrying the one task again is a clear error, not a silent no-op.
        await #expect(throws: ActionError.self) { try await backend.perform(.retry([id])) }
        await #expect(throws: (any Error).self) { try await backend.loadTaskDetail(id: TaskID(999_999)) }
        #expect(await backend.routerStatus() == nil)
    }

    @Test func anObserverBackendRefusesChangesBeforeTheDatabaseIsAsked() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let id = try failedTask("B-2", connection)
        let backend = EngineDashboardBackend(settings: schema.settings(readOnly: true))
        defer { backend.close() }

        #expect(try await backend.loadSnapshot(filter: TaskFilter()).failedTasks?.count == 1)
        await #expect(throws: ActionError.self) { try await backend.preview(.retry([id])) }
        await #expect(throws: ActionError.self) { try await backend.perform(.retry([id])) }
        let status: String = try connection.execute("SELECT status FROM execution_tasks WHERE id = \(id)").first!.decode("status")
        #expect(status == "FAILED")
    }

    @Test func aNewTaskWakesTheWaiterAndSilenceTimesOut() async throws {
        // Notifications are per database, and other tests write to theirs in parallel: this
        // one gets a database of its own so that silence is really silence.
        let name = "wake_" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let baseURL = try #require(TestDatabase.url)
        let admin = try PGConnection(settings: ConnectionSettings(conninfo: baseURL))
        try admin.execute(Query("CREATE DATABASE \(name)", parameters: []))
        defer { _ = try? admin.execute(Query("DROP DATABASE \(name) WITH (FORCE)", parameters: [])) }
        var url = try #require(URLComponents(string: baseURL))
        url.path = "/" + name
        let settings = ConnectionSettings(conninfo: try #require(url.string))
        let writer = try PGConnection(settings: settings)
        try Migrator().up(on: writer, actor: "test@host")

        let backend = EngineDashboardBackend(settings: ConnectionSettings(conninfo: settings.conninfo, readOnly: true))
        defer { backend.close() }
        // Listening starts with one wake-up (what happened before is unknown); then silence.
        #expect(try await backend.waitForChange(timeout: .seconds(10)) == true)
        #expect(try await backend.waitForChange(timeout: .milliseconds(200)) == false)

        async let woke = backend.waitForChange(timeout: .seconds(10))
        try await Task.sleep(for: .milliseconds(100))
        _ = try TaskQueue(connection: writer).enqueue(
            try NewTask(tradeID: "B-3", eventType: .entry, payloadJSON: TaskQueueTests.entryJSON))
        #expect(try await woke == true)
        #expect(try await backend.waitForChange(timeout: .milliseconds(200)) == false, "one insert, one wake-up")
        writer.close()
    }

    @Test func theEmbeddedRoutersStateReachesTheHeader() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        var configuration = ExecutionRouter.Configuration()
        configuration.pollInterval = .milliseconds(200)
        let router = try ExecutionRouter(settings: schema.settings(), configuration: configuration)
        let backend = EngineDashboardBackend(settings: schema.settings(), router: router)
        defer { backend.close() }
        #expect(await backend.routerStatus() == RouterStatusLine(state: .stopped, dryRun: true))
        router.start()
        #expect(await backend.routerStatus()?.state == .running)
        await router.stop()
        #expect(await backend.routerStatus() == RouterStatusLine(state: .stopped, dryRun: true))
    }
}
