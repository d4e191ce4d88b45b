import Foundation
import Testing
import SwitchyardEngine
@testable import SwitchyardTUI

/// The selection is an item, not a row: scripts of rows arriving and leaving under the cursor.
struct SelectionTests {
    func keys(_ model: inout DashboardModel, _ keys: Key...) -> [DashboardEffect] {
        keys.flatMap { update(&model, .key($0)) }
    }

    /// `count` FAILED ENTRY tasks, newest (highest id) first.
    func tasks(_ ids: ClosedRange<Int>) -> [TaskSummary] {
        ids.reversed().map { Fixture.failedTask($0, trade: "ES-20261123-\($0)", error: "order rejected", age: 60) }
    }

    /// The reproduction: the task list, the third row opened (#42); five new trades arrive;
    /// Enter on the same item opens #42 again, not #52.
    @Test func theTaskListKeepsTheOpenedTaskWhenNewTasksArriveAbove() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .character("2"))
        _ = update(&model, .taskListLoaded(tasks(40...44)))
        _ = keys(&model, .down, .down)
        #expect(keys(&model, .enter) == [.loadTaskDetail(TaskID(42))])
        _ = keys(&model, .escape)
        #expect(model.view == .taskList)
        _ = update(&model, .taskListLoaded(tasks(40...49)))
        #expect(model.status == nil)
        #expect(keys(&model, .enter) == [.loadTaskDetail(TaskID(42))])
    }

    @Test func rThenDNameTheSameTaskWhateverArrivesBetween() {
        var model = Fixture.loaded(Fixture.busySnapshot)   // the failed panel, #1042 on its first row
        #expect(keys(&model, .character("r")) == [.preview(.retry([TaskID(1042)]))])
        var newer = Fixture.busySnapshot
        newer.failedTasks = [Fixture.failedTask(1060, trade: "ES-20261123-0010", error: "order rejected", age: 1)]
            + Fixture.failedTasks
        _ = update(&model, .snapshotLoaded(newer, at: Fixture.now.addingTimeInterval(1)))
        _ = update(&model, .previewLoaded(ActionPreview(action: .retry([TaskID(1042)]), matching: 1, question: "Retry?")))
        _ = keys(&model, .character("n"))
        #expect(keys(&model, .character("d")) == [])
        #expect(model.modal == .reason(ReasonPrompt(tasks: [TaskID(1042)], text: defaultDeadLetterReason)))
    }

    @Test func theConfirmationActsOnTheIdsItNamedWhateverMovedSince() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .down)   // #1038
        _ = keys(&model, .character("r"))
        let preview = ActionPreview(action: .retry([TaskID(1038)]), matching: 1, question: "Retry 1 FAILED EXIT task?")
        _ = update(&model, .previewLoaded(preview))
        var frame = CellBuffer(size: model.size)
        view(model, into: &frame, glyphs: .unicode)
        #expect(frame.plainText.contains("Acts on task #1038 only."))
        // Rows arrive and leave under the dialog; keys other than y and n only say what to press.
        var moved = Fixture.busySnapshot
        moved.failedTasks = [Fixture.failedTask(1061, trade: "NQ-20261123-0009", error: "timeout", age: 1)]
            + Fixture.failedTasks.filter { $0.id != TaskID(1042) }
        _ = update(&model, .snapshotLoaded(moved, at: Fixture.now.addingTimeInterval(1)))
        #expect(keys(&model, .character("j")) == [])
        #expect(keys(&model, .character("y")) == [.perform(.retry([TaskID(1038)]))])
    }

    @Test func whenTheItemLeavesTheStatusLineSaysSoAndTheCursorTakesItsNeighbour() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .down)   // #1038
        #expect(model.currentTask == TaskID(1038))
        var retried = Fixture.busySnapshot
        retried.failedTasks = Fixture.failedTasks.filter { $0.id != TaskID(1038) }
        _ = update(&model, .snapshotLoaded(retried, at: Fixture.now.addingTimeInterval(1)))
        #expect(model.currentTask == TaskID(1011))
        #expect(model.status?.text == "Task #1038 left the failed tasks; the cursor is on task #1011.")
        // A list the operator is not looking at moves its cursor quietly.
        var other = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&other, .tab, .tab, .down)   // the accounts panel, apex-eval-2
        _ = keys(&other, .backTab, .backTab)  // back to the failed tasks
        var fewer = Fixture.busySnapshot
        fewer.accounts = Fixture.accounts.filter { $0.name != "apex-eval-2" }
        _ = update(&other, .snapshotLoaded(fewer, at: Fixture.now.addingTimeInterval(1)))
        #expect(other.status == nil)
        #expect(other.cursors.accountsPanel.selected != "apex-eval-2")
    }

    @Test func aFilterThatDropsTheSelectedTaskSaysSo() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .character("2"))
        _ = update(&model, .taskListLoaded(tasks(40...44)))
        _ = keys(&model, .down)   // #43
        _ = update(&model, .taskListLoaded(tasks(40...42)))
        #expect(model.currentTask == TaskID(42))
        #expect(model.status?.text == "Task #43 left the task list; the cursor is on task #42.")
    }

    /// After `p` pauses a schedule the list puts it last; the cursor stays on it.
    @Test func aPausedScheduleKeepsTheCursorWhenTheListReorders() {
        var snapshot = Fixture.busySnapshot
        snapshot.schedules = Fixture.schedules
        var model = Fixture.loaded(snapshot)
        _ = keys(&model, .character("6"))
        #expect(keys(&model, .character("p")) == [.preview(.schedule("es-hourly-entry", .pause))])
        _ = update(&model, .previewLoaded(ActionPreview(action: .schedule("es-hourly-entry", .pause), matching: 0,
                                                        question: "Pause schedule es-hourly-entry?")))
        _ = keys(&model, .character("y"))
        var paused = Fixture.schedules
        paused[0].paused = true
        snapshot.schedules = [paused[1], paused[2], paused[0]]
        _ = update(&model, .snapshotLoaded(snapshot, at: Fixture.now.addingTimeInterval(1)))
        #expect(model.currentSchedule?.name == "es-hourly-entry")
        #expect(keys(&model, .character("p")) == [.preview(.schedule("es-hourly-entry", .resume))])
    }

    @Test func alertRulesAreKeyedByTheirId() {
        var snapshot = Fixture.busySnapshot
        snapshot.alerts = Fixture.alerts
        var model = Fixture.loaded(snapshot)
        _ = keys(&model, .character("5"), .down)
        #expect(model.currentAlertRule?.name == "broker-refusing")
        snapshot.alerts?.rules.insert(AlertRuleSummary(id: 9, name: "aaa-first", condition: .lagOver(seconds: 30),
                                                       severity: .warning, target: "https://chat.example/…",
                                                       cooldown: .seconds(60), quietHours: nil, createdBy: "ops",
                                                       createdAt: Fixture.now), at: 0)
        _ = update(&model, .snapshotLoaded(snapshot, at: Fixture.now.addingTimeInterval(1)))
        #expect(model.currentAlertRule?.name == "broker-refusing")
    }

    @Test func aLogRowIsKeyedByItsAuditRowNotItsPlace() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .tab, .down, .down)   // log row 9118, task #1049
        #expect(model.currentTask == TaskID(1049))
        var newer = Fixture.busySnapshot
        newer.recentLogs = [Fixture.log(9122, task: 1051, trade: "ES-20261123-0011", status: "SUCCESS", code: 200,
                                        message: "filled", age: 0),
                            Fixture.log(9121, task: 1051, trade: "ES-20261123-0011", status: "SUCCESS", code: 200,
                                        message: "filled", age: 0)] + Fixture.logs
        _ = update(&model, .snapshotLoaded(newer, at: Fixture.now.addingTimeInterval(1)))
        #expect(keys(&model, .enter) == [.loadTaskDetail(TaskID(1049))])
    }
}
