import Foundation
import Testing
@testable import SwitchyardEngine

/// The router-wide switches, through `OperatorActions` as the dashboard and `switchyard tasks`
/// run them: recorded, obeyed by the claim, and previewed with what confirming does.
@Suite(.database) struct RouterSwitchesTests {
    /// A task moved to `status` by plain SQL, as a fixture (`TaskActionsTests.task`).
    func task(_ status: TaskStatus, _ connection: PGConnection, trade: String, type: EventType = .entry) throws -> TaskID {
        try TaskActionsTests().task(status, connection, trade: trade, type: type)
    }

    @Test func pauseAndResumeAreRecordedAndObeyedByTheClaim() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        let actions = OperatorActions(connection: connection)
        let queue = TaskQueue(connection: connection)
        try queue.enqueue([try NewTask(tradeID: "A", eventType: .entry, payloadJSON: TaskQueueTests.entryJSON),
                           try NewTask(tradeID: "B", eventType: .exit, payloadJSON: TaskQueueTests.exitJSON)])
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
        let actions = OperatorActions(connection: connection)
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

    @Test func aSwitchIsNotATaskActionAndATaskActionIsNotASwitch() throws {
        let connection = try TestDatabase.makeMigratedSchema().connect()
        #expect(throws: ActionError.self) { try TaskActions(connection: connection).perform(.pauseRouter(reason: nil), actor: "a@b") }
        #expect(throws: ActionError.self) { try RouterSwitches(connection: connection).perform(.retry([TaskID(1)]), actor: "a@b") }
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_control_log") == 0)
    }
}
