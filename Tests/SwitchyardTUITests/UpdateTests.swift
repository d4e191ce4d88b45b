import Foundation
import Testing
import SwitchyardEngine
@testable import SwitchyardTUI

/// Scripts: messages in, model and effects out.
struct UpdateTests {
    func keys(_ model: inout DashboardModel, _ keys: Key...) -> [DashboardEffect] {
        keys.flatMap { update(&model, .key($0)) }
    }

    @Test func retryAsksForAPreviewThenConfirmsThenPerforms() {
        var model = Fixture.loaded(Fixture.busySnapshot)   // failed panel focused, #1042 selected
        let afterR = update(&model, .key(.character("r")))
        #expect(afterR == [.preview(.retry([TaskID(1042)]))])
        #expect(model.confirmation == nil)

        let preview = ActionPreview(action: .retry([TaskID(1042)]), matching: 1, question: "retry 1 FAILED ENTRY task?")
        #expect(update(&model, .previewLoaded(preview)) == [])
        #expect(model.confirmation == preview)

        let afterY = update(&model, .key(.character("y")))
        #expect(afterY == [.perform(.retry([TaskID(1042)]))])
        #expect(model.confirmation == nil)

        let report = ActionReport(action: .retry([TaskID(1042)]), changed: [TaskID(1042)], skipped: [:])
        let afterReport = update(&model, .actionCompleted(report))
        #expect(model.status == StatusMessage("Retried 1 task."))
        #expect(afterReport.first == .loadSnapshot(TaskFilter()))
    }

    @Test func noCancelsTheConfirmation() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .character("r"))
        _ = update(&model, .previewLoaded(ActionPreview(action: .retry([TaskID(1042)]), matching: 1, question: "?")))
        #expect(keys(&model, .character("x")) == [])
        #expect(model.confirmation != nil)
        #expect(keys(&model, .character("n")) == [])
        #expect(model.confirmation == nil && model.status?.text.contains("Cancelled") == true)
    }

    @Test func aStalePreviewForAnotherActionIsIgnored() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .character("r"))
        _ = update(&model, .previewLoaded(ActionPreview(action: .hold([TaskID(1)]), matching: 1, question: "?")))
        #expect(model.confirmation == nil)
    }

    @Test func readOnlyChangeKeysAskNothingAndSayWhy() {
        var model = Fixture.loaded(Fixture.busySnapshot, readOnly: true)
        for key in ["r", "d", "h", "P", "R"] {
            #expect(keys(&model, .character(Character(key))) == [])
            #expect(model.status?.text.hasPrefix("Read-only mode:") == true)
            #expect(model.confirmation == nil && model.reasonPrompt == nil && model.awaitingPreview == nil)
        }
    }

    @Test func spaceMarksTasksThenDeadLetterAsksAReasonWithADefault() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .character(" "), .character(" "))   // marks #1042, then #1038
        #expect(model.marked == [TaskID(1042), TaskID(1038)])
        #expect(keys(&model, .character("d")) == [])
        #expect(model.reasonPrompt == ReasonPrompt(tasks: [TaskID(1038), TaskID(1042)], text: defaultDeadLetterReason))
        _ = keys(&model, .backspace, .backspace, .backspace, .backspace, .backspace, .backspace, .backspace,
                 .backspace, .backspace)
        let typed = keys(&model, .character("!"), .enter)
        #expect(typed == [.preview(.deadLetter([TaskID(1038), TaskID(1042)], reason: "dead-lettered from the !"))])
    }

    @Test func deadLetterWithAnEmptyReasonUsesTheDefault() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .character("d"))
        model.reasonPrompt?.text = "  "
        #expect(keys(&model, .enter) == [.preview(.deadLetter([TaskID(1042)], reason: defaultDeadLetterReason))])
    }

    @Test func holdOnAHeldTaskResumesIt() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        model.taskList = Fixture.busySnapshot.heldTasks
        model.view = .taskList
        #expect(keys(&model, .character("h")) == [.preview(.resume([TaskID(1002)]))])
        var other = Fixture.loaded(Fixture.busySnapshot)
        #expect(keys(&other, .character("h")) == [.preview(.hold([TaskID(1042)]))])
    }

    @Test func pauseTogglesOnTheControlRow() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        #expect(keys(&model, .character("P")) == [.preview(.pauseRouter(reason: "paused from the dashboard"))])
        var paused = Fixture.busySnapshot
        paused.control?.globalPaused = true
        var other = Fixture.loaded(paused)
        #expect(keys(&other, .character("P")) == [.preview(.resumeRouter)])
    }

    @Test func retryAllUsesTheFilterAndDefaultsToFailed() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        model.filter = TaskFilter(eventType: .entry)
        #expect(keys(&model, .character("R")) == [.preview(.retryMatching(TaskFilter(statuses: [.failed],
                                                                                     eventType: .entry)))])
    }

    @Test func actingWithNothingSelectedSaysWhatToDo() {
        var model = Fixture.loaded(Fixture.emptySnapshot)
        #expect(keys(&model, .character("r")) == [])
        #expect(model.status?.text.hasPrefix("Select a task first") == true)
    }

    @Test func refreshIntervalStepsAndStopsAtTheFloor() {
        var model = Fixture.model()
        #expect(keys(&model, .character("-")) == [.scheduleRefresh(after: .milliseconds(500))])
        _ = keys(&model, .character("-"), .character("-"), .character("-"))
        #expect(model.refreshInterval == .milliseconds(250))
        #expect(model.status?.text == "Refreshing every 250 ms.")
        _ = keys(&model, .character("+"), .character("+"), .character("+"))
        #expect(model.refreshInterval == .seconds(2))
    }

    @Test func escAndQGoBackBeforeQuitting() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        #expect(keys(&model, .enter) == [.loadTaskDetail(TaskID(1042))])
        #expect(model.view == .taskDetail(TaskID(1042)))
        _ = keys(&model, .character("?"))
        #expect(model.view == .help)
        #expect(keys(&model, .escape) == [])
        #expect(model.view == .taskDetail(TaskID(1042)))
        #expect(keys(&model, .character("q")) == [])
        #expect(model.view == .dashboard)
        #expect(keys(&model, .escape) == [])
        #expect(keys(&model, .character("q")) == [.quit])
        #expect(model.quitRequested)
    }

    @Test func tabMovesFocusAndEnterOnALogOpensItsTask() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .tab, .down, .down)
        #expect(model.focus == .recentLogs)
        #expect(keys(&model, .enter) == [.loadTaskDetail(TaskID(1049))])
        model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .tab, .tab, .down)
        #expect(model.focus == .accounts)
        #expect(keys(&model, .enter) == [.loadAccountDetail("apex-eval-2")] && model.view == .accountDetail("apex-eval-2"))
    }

    @Test func fourOpensTheAccountsViewAndEnterAnAccount() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        #expect(keys(&model, .character("4")) == [] && model.view == .accounts)
        _ = keys(&model, .down, .down, .down, .down)
        #expect(model.accountSelection == 3)
        #expect(keys(&model, .enter) == [.loadAccountDetail("legacy-7")])
        // A refresh reads the open account again; a detail of another account is not shown.
        #expect(update(&model, .tick(Fixture.now)) == [.loadSnapshot(TaskFilter()), .loadAccountDetail("legacy-7")])
        _ = update(&model, .accountDetailLoaded(Fixture.accountDetail))
        #expect(model.accountDetail == nil)
        _ = keys(&model, .escape)
        #expect(model.view == .accounts)
        _ = keys(&model, .up, .up, .enter)
        _ = update(&model, .accountDetailLoaded(Fixture.accountDetail))
        #expect(model.view == .accountDetail("apex-eval-2") && model.accountDetail == Fixture.accountDetail)
        // No task is under the cursor here: r says so rather than acting on something else.
        #expect(model.currentTask == nil)
    }

    @Test func aPerAccountObserverIsToldWhyChangesAreDisabled() {
        var snapshot = Fixture.busySnapshot
        snapshot.observedAccounts = ["apex-eval-2"]
        var model = Fixture.loaded(snapshot, readOnly: true)
        #expect(keys(&model, .character("d")) == [])
        #expect(model.status?.text == "Read-only: dead-letter (d) is disabled; this role may only read apex-eval-2.")
    }

    @Test func selectionStopsAtTheEnds() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .up)
        #expect(model.selection[.failedTasks] == 0)
        _ = keys(&model, .end)
        #expect(model.currentTask == TaskID(987))
    }

    @Test func slashEditsTheFilterOfTheTaskList() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        let opened = keys(&model, .character("/"))
        #expect(opened == [.listTasks(TaskFilter(), limit: 500)])
        #expect(model.filterEditor == "")
        for character in "failed exit NQ-" { _ = keys(&model, .character(character)) }
        let applied = keys(&model, .enter)
        let expected = TaskFilter(statuses: [.failed], eventType: .exit, tradeIDContains: "NQ-")
        #expect(applied == [.listTasks(expected, limit: 500)])
        #expect(model.filter == expected && model.filterEditor == nil)
        // q while typing is text, not quit.
        _ = keys(&model, .character("/"), .character("q"))
        #expect(model.filterEditor == "FAILED EXIT NQ-q" && !model.quitRequested)
    }

    @Test func theTickRefreshesWhatIsOnScreen() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        #expect(update(&model, .tick(Fixture.now)) == [.loadSnapshot(TaskFilter())])
        _ = keys(&model, .enter)
        #expect(update(&model, .tick(Fixture.now)) == [.loadSnapshot(TaskFilter()), .loadTaskDetail(TaskID(1042))])
    }

    @Test func failuresKeepTheLastDataAndRememberSince() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = update(&model, .snapshotFailed("connection refused", at: Fixture.now.addingTimeInterval(1)))
        _ = update(&model, .snapshotFailed("connection timed out", at: Fixture.now.addingTimeInterval(5)))
        #expect(model.connection == .disconnected(since: Fixture.now.addingTimeInterval(1),
                                                  lastError: "connection timed out"))
        #expect(model.snapshot == Fixture.busySnapshot)
        _ = update(&model, .snapshotLoaded(Fixture.emptySnapshot, at: Fixture.now.addingTimeInterval(6)))
        #expect(model.connection == .connected)
    }

    @Test func aPartThatTimesOutKeepsShowingItsLastValueAsStale() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        var timedOut = Fixture.busySnapshot
        timedOut.takenAt = Fixture.now.addingTimeInterval(1)
        timedOut.rates = nil
        timedOut.unavailable = ["rates": "timed out after 2 s (statement_timeout)"]
        _ = update(&model, .snapshotLoaded(timedOut, at: Fixture.now.addingTimeInterval(1)))
        #expect(model.snapshot?.rates == Fixture.busySnapshot.rates)
        #expect(model.snapshot?.isStale(.rates) == true)
        #expect(model.snapshot?.takenAt == timedOut.takenAt)
    }

    @Test func actionErrorsGoToTheStatusLine() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .character("r"))
        _ = update(&model, .actionFailed("cannot execute UPDATE in a read-only transaction"))
        #expect(model.status?.isError == true)
        #expect(model.awaitingPreview == nil)
    }

    @Test func interruptQuits() {
        var model = Fixture.model()
        #expect(update(&model, .interrupted) == [.quit])
    }

    @Test func passwordsNeverReachTheHeader() {
        #expect(DashboardSettings.displayName(connection: "postgres://ops:s3cret@db:5432/q?sslmode=require")
                == "ops@db:5432/q")
        #expect(DashboardSettings.displayName(connection: "host=db dbname=q password=s3cret user=ops")
                == "host=db dbname=q user=ops")
        #expect(Fixture.settings().databaseName == "ops@db.internal:5432/switchyard")
    }
}

struct ScrollTests {
    @Test func detailScrollStopsAtTheLastPage() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = update(&model, .key(.enter))
        var detail = Fixture.detail
        detail.auditTrail += (0..<40).map {
            Fixture.log(9200 + $0, task: 1042, trade: "ES-20261123-0007", status: "FAILED", code: 503,
                        message: "order rejected", age: 30)
        }
        _ = update(&model, .taskDetailLoaded(detail))
        for _ in 0..<80 { _ = update(&model, .key(.down)) }
        let lines = taskDetailLines(model, width: 77, glyphs: .ascii).count
        #expect(model.scroll == lines - 20)   // 24 rows: header, status line, two borders
        _ = update(&model, .key(.up))
        #expect(model.scroll == lines - 21)
    }
}
