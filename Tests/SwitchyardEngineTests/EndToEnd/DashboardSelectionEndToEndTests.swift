import Foundation
import Testing
@testable import SwitchyardEngine
import SwitchyardTestSupport

/// `switchyard monitor` in a tmux pane against the real server: the cursor stays on the task
/// chosen while new tasks arrive, 80x23 shows the dashboard, and a terminal too small to read
/// takes no key but q.
@Suite(.serialized)
struct DashboardSelectionEndToEndTests {
    func monitor(_ arguments: [String], _ schema: TestSchema, width: Int = 80, height: Int = 24) throws -> TmuxSession {
        var environment = schema.processEnvironment.filter { $0.key == "DATABASE_URL" }
        environment["LANG"] = "C.UTF-8"
        return try TmuxSession(command: [Executable.path, "monitor", "--refresh", "0.5"] + arguments,
                               environment: environment, width: width, height: height)
    }

    func enqueue(_ trade: String, _ schema: TestSchema) throws {
        let result = try Executable.run(["enqueue", "--trade-id", trade, "--event-type", "ENTRY",
                                         "--payload", MonitorEndToEndTests.goodEntry], environment: schema.processEnvironment)
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// The id in the task detail's title ("Task #42").
    func openedTask(_ screen: String) -> String? {
        guard let range = screen.range(of: "Task #") else { return nil }
        return String(screen[range.upperBound...].prefix(while: \.isNumber))
    }

    @Test(.database, .timeLimit(.minutes(2)))
    func theSelectedTaskStaysSelectedWhileNewTasksArrive() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        for number in 1...5 { try enqueue("SEL-OLD-\(number)", schema) }
        // Read-only: no router changes the tasks under the test.
        let tmux = try monitor(["--read-only"], schema)
        defer { tmux.close() }
        try tmux.waitFor("OBSERVER")
        try tmux.send("2")
        try tmux.waitFor("SEL-OLD-1")
        try tmux.send("j", "j", "Enter")   // the third row: SEL-OLD-3, the list being newest first
        let detail = try tmux.waitUntil(description: "a task detail") { openedTask($0) != nil && $0.contains("trade SEL-") }
        #expect(detail.contains("trade SEL-OLD-3"), "the third row is not SEL-OLD-3:\n\(detail)")
        let opened = try #require(openedTask(detail))
        try tmux.send("Escape")
        try tmux.waitFor("Tasks: all tasks")

        for number in 1...5 { try enqueue("SEL-NEW-\(number)", schema) }
        try tmux.waitFor("SEL-NEW-5")
        try tmux.send("Enter")
        let screen = try tmux.waitUntil(description: "a task detail") { openedTask($0) != nil && $0.contains("trade SEL-") }
        #expect(openedTask(screen) == opened, "Enter opened another task:\n\(screen)")
        #expect(screen.contains("trade SEL-OLD-3"))
        try tmux.send("q", "q", "q")
        #expect(try tmux.waitForExit().status == 0)
    }

    @Test(.database, .timeLimit(.minutes(2)))
    func eightyByTwentyThreeShowsTheDashboard() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let tmux = try monitor(["--read-only"], schema, width: 80, height: 23)
        defer { tmux.close() }
        let screen = try tmux.waitFor("Recent execution logs")
        #expect(screen.contains("Queue") && screen.contains("Failed tasks") && screen.contains("Accounts"))
        #expect(!screen.contains("Enlarge the window"))
        try tmux.send("q")
        #expect(try tmux.waitForExit().status == 0)
    }

    /// At 40x10 on an operator's dashboard, P Enter y used to pause every router.
    @Test(.database, .timeLimit(.minutes(2)))
    func aTerminalTooSmallTakesNoKeyButQ() throws {
        let schema = try TestDatabase.makeMigratedSchema()
        let connection = try schema.connect()
        let control: Query = """
            SELECT global_paused::text || ' ' || paused_event_types::text || ' ' || coalesce(changed_by, '-') AS c
            FROM switchyard_control
            """
        let before: String? = try connection.execute(control).first?.decode("c")
        let logBefore = try connection.count("SELECT count(*) AS n FROM switchyard_control_log")

        let tmux = try monitor([], schema, width: 40, height: 10)
        defer { tmux.close() }
        try tmux.waitFor("Enlarge the window")
        // Each key with time for a preview to arrive, as a slow operator would press them.
        for key in ["P", "Enter", "y", "R", "y"] {
            try tmux.send(key)
            Thread.sleep(forTimeInterval: 0.5)
        }
        // Back at a readable size the dashboard shows the routers still claiming, and asks nothing.
        try tmux.resize(columns: 80, rows: 24)
        try tmux.waitFor("Queue")   // a key sent before the resize arrives would be ignored too
        try tmux.send("3")
        let screen = try tmux.waitFor("Routers are claiming tasks")
        #expect(!screen.contains("Pause every router?") && !screen.contains("PAUSED"))
        let after: String? = try connection.execute(control).first?.decode("c")
        #expect(after == before)
        #expect(try connection.count("SELECT count(*) AS n FROM switchyard_control_log") == logBefore)
        try tmux.send("q", "q")
        #expect(try tmux.waitForExit().status == 0)
    }
}
