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

/// The schedules view's keys against the real server, through the dashboard's backend.
@Suite(.database) struct DashboardScheduleKeysTests {
    /// Feeds `keys` to the model and carries out each preview and change through `backend`, as the runtime does.
    func press(_ keys: [Character], _ model: inout DashboardModel, _ backend: EngineDashboardBackend) async throws {
        for key in keys {
            var effects = update(&model, .key(.character(key)))
            while let effect = effects.first {
                effects.removeFirst()
                switch effect {
                case .preview(let action):
                    effects += update(&model, .previewLoaded(try await backend.preview(action)))
                case .perform(let action):
                    effects += update(&model, .actionCompleted(try await backend.perform(action)))
                case .loadSnapshot(let filter):
                    _ = update(&model, .snapshotLoaded(try await backend.loadSnapshot(filter: filter), at: model.now))
                default:
                    break
                }
            }
        }
    }

    @Test func pauseResumeRunNowAndRemoveFromTheKeysAreAuditedAndAnObserversKeysChangeNothing() async throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        try ScheduleBook(connection: connection).add(
            NewSchedule(name: "desk-check", timing: try .every("1h"), eventType: .entry, payload: TaskQueueTests.entryJSON),
            actor: "test@host")

        // An observer first: every key, nothing written.
        let observerBackend = EngineDashboardBackend(settings: schema.settings(readOnly: true))
        defer { observerBackend.close() }
        var observer = DashboardModel(settings: DashboardSettings(databaseName: "db", readOnly: true), now: Date())
        _ = update(&observer, .snapshotLoaded(try await observerBackend.loadSnapshot(filter: TaskFilter()), at: Date()))
        try await press(["6", "p", "y", "t", "y", "X", "y"], &observer, observerBackend)
        #expect(observer.status?.text.hasPrefix("Read-only mode:") == true)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_schedule_log WHERE action <> 'ADD'") == 0)
        await #expect(throws: ActionError.self) { try await observerBackend.perform(.schedule("desk-check", .pause)) }

        let backend = EngineDashboardBackend(settings: schema.settings(), actor: "dave@box (from 10.0.0.7)")
        defer { backend.close() }
        var model = DashboardModel(settings: DashboardSettings(databaseName: "db", readOnly: false), now: Date())
        _ = update(&model, .snapshotLoaded(try await backend.loadSnapshot(filter: TaskFilter()), at: Date()))
        try await press(["6", "p"], &model, backend)
        guard case .confirm(let preview)? = model.modal else {
            Issue.record("p asked for no confirmation: \(String(describing: model.modal))")
            return
        }
        #expect(preview.question.hasPrefix("Pause schedule desk-check"))
        try await press(["y"], &model, backend)
        #expect(model.status?.text.hasPrefix("Schedule desk-check: Paused") == true)
        #expect(try ScheduleBook(connection: connection).show("desk-check").schedule.paused)
        try await press(["p", "y", "t", "y"], &model, backend)   // resume (it is paused now), then run now
        #expect(model.status?.text.hasPrefix("Schedule desk-check: Ran now: task") == true)
        try await press(["X", "n"], &model, backend)             // asked, then cancelled: still there
        #expect(try ScheduleBook(connection: connection).list().count == 1)
        try await press(["X", "y"], &model, backend)
        let actions = try connection.execute("SELECT action, actor FROM switchyard_schedule_log ORDER BY id").rows
            .map { "\(try $0.decode("action", as: String.self)) \(try $0.decode("actor", as: String.self))" }
        #expect(actions == ["ADD test@host", "PAUSE dave@box (from 10.0.0.7)", "RESUME dave@box (from 10.0.0.7)",
                            "RUN_NOW dave@box (from 10.0.0.7)", "REMOVE dave@box (from 10.0.0.7)"])
        #expect(try connection.count("SELECT count(*) AS n FROM execution_tasks WHERE trade_id LIKE 'desk-check-%'") == 1)
    }
}
