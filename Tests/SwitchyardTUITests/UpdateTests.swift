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
        #expect(model.modal == .awaitingPreview(.retry([TaskID(1042)])))

        let preview = ActionPreview(action: .retry([TaskID(1042)]), matching: 1, question: "retry 1 FAILED ENTRY task?")
        #expect(update(&model, .previewLoaded(preview)) == [])
        #expect(model.modal == .confirm(preview))

        let afterY = update(&model, .key(.character("y")))
        #expect(afterY == [.perform(.retry([TaskID(1042)]))])
        #expect(model.modal == nil)

        let report = ActionReport(action: .retry([TaskID(1042)]), changed: [TaskID(1042)], skipped: [:])
        let afterReport = update(&model, .actionCompleted(report))
        #expect(model.status?.text == "Retried 1 task." && model.status?.isError == false)
        #expect(afterReport.first == .loadSnapshot(TaskFilter()))
    }

    @Test func fiveOpensTheAlertsViewAndEscGoesBack() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        #expect(keys(&model, .character("5")) == [])
        #expect(model.view == .alerts)
        #expect(model.currentTask == nil)
        #expect(keys(&model, .escape) == [] && model.view == .dashboard)
    }

    @Test func noCancelsTheConfirmation() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .character("r"))
        _ = update(&model, .previewLoaded(ActionPreview(action: .retry([TaskID(1042)]), matching: 1, question: "?")))
        #expect(keys(&model, .character("x")) == [])
        #expect(model.modal != nil)
        #expect(keys(&model, .character("n")) == [])
        #expect(model.modal == nil && model.status?.text.contains("Cancelled") == true)
    }

    @Test func aStalePreviewForAnotherActionIsIgnored() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .character("r"))
        _ = update(&model, .previewLoaded(ActionPreview(action: .hold([TaskID(1)]), matching: 1, question: "?")))
        #expect(model.modal == .awaitingPreview(.retry([TaskID(1042)])))
    }

    @Test func readOnlyChangeKeysAskNothingAndSayWhy() {
        var model = Fixture.loaded(Fixture.busySnapshot, readOnly: true)
        for key in ["r", "d", "h", "P", "R"] {
            #expect(keys(&model, .character(Character(key))) == [])
            #expect(model.status?.text.hasPrefix("Read-only mode:") == true)
            #expect(model.modal == nil)
        }
    }

    @Test func scheduleKeysPauseOrResumeRunNowAndRemoveTheSelectedOneAfterAConfirmation() {
        var snapshot = Fixture.busySnapshot
        snapshot.schedules = Fixture.schedules
        var model = Fixture.loaded(snapshot)
        // Outside the schedules view p and t do nothing.
        #expect(keys(&model, .character("p")) == [] && model.modal == nil)
        #expect(keys(&model, .character("6")) == [])
        #expect(model.view == .schedules && model.currentSchedule?.name == "es-hourly-entry")
        #expect(keys(&model, .character("p")) == [.preview(.schedule("es-hourly-entry", .pause))])
        _ = update(&model, .previewLoaded(ActionPreview(action: .schedule("es-hourly-entry", .pause), matching: 0, question: "Pause?")))
        #expect(keys(&model, .character("y")) == [.perform(.schedule("es-hourly-entry", .pause))])
        _ = update(&model, .actionCompleted(ActionReport(action: .schedule("es-hourly-entry", .pause), changed: [], skipped: [:],
                                                         note: "Paused.")))
        #expect(model.status?.text == "Schedule es-hourly-entry: Paused.")
        // The paused one resumes; t runs now; X removes; each only asks first.
        _ = keys(&model, .character("j"), .character("j"))
        #expect(keys(&model, .character("p")) == [.preview(.schedule("nq-scalp-5m", .resume))])
        model.modal = nil
        #expect(keys(&model, .character("t")) == [.preview(.schedule("nq-scalp-5m", .runNow))])
        model.modal = nil
        #expect(keys(&model, .character("X")) == [.preview(.schedule("nq-scalp-5m", .remove))])
        // Cancelled at the confirmation: nothing is performed.
        _ = update(&model, .previewLoaded(ActionPreview(action: .schedule("nq-scalp-5m", .remove), matching: 0, question: "Remove?")))
        #expect(keys(&model, .character("n")) == [] && model.modal == nil)
    }

    @Test func anObserversScheduleKeysChangeNothing() {
        var snapshot = Fixture.busySnapshot
        snapshot.schedules = Fixture.schedules
        var model = Fixture.loaded(snapshot, readOnly: true)
        _ = keys(&model, .character("6"))
        for key in ["p", "n", "X"] {
            #expect(keys(&model, .character(Character(key))) == [])
            #expect(model.status?.text.hasPrefix("Read-only mode:") == true)
            #expect(model.modal == nil)
        }
    }

    @Test func spaceMarksTasksThenDeadLetterAsksAReasonWithADefault() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .character(" "), .character(" "))   // marks #1042, then #1038
        #expect(model.marked == [TaskID(1042), TaskID(1038)])
        #expect(keys(&model, .character("d")) == [])
        #expect(model.modal == .reason(ReasonPrompt(tasks: [TaskID(1038), TaskID(1042)], text: defaultDeadLetterReason)))
        _ = keys(&model, .backspace, .backspace, .backspace, .backspace, .backspace, .backspace, .backspace,
                 .backspace, .backspace)
        let typed = keys(&model, .character("!"), .enter)
        #expect(typed == [.preview(.deadLetter([TaskID(1038), TaskID(1042)], reason: "dead-lettered from the !"))])
    }

    @Test func deadLetterWithAnEmptyReasonUsesTheDefault() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .character("d"))
        model.modal = .reason(ReasonPrompt(tasks: [TaskID(1042)], text: "  "))
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

    @Test func pauseOpensADialogOfSwitchesEachOfferingItsOpposite() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        #expect(keys(&model, .character("P")) == [])
        #expect(model.modal == .pauseMenu(PauseMenu(choices: [.pauseRouter(reason: "paused from the dashboard"),
                                                              .pauseEventType(.entry, reason: "paused from the dashboard"),
                                                              .pauseEventType(.exit, reason: "paused from the dashboard")])))
        #expect(keys(&model, .enter) == [.preview(.pauseRouter(reason: "paused from the dashboard"))])
        #expect(model.modal == .awaitingPreview(.pauseRouter(reason: "paused from the dashboard")))

        var paused = Fixture.busySnapshot
        paused.control?.globalPaused = true
        paused.control?.pausedEventTypes = ["EXIT"]
        var other = Fixture.loaded(paused)
        _ = keys(&other, .character("P"))
        #expect(other.modal == .pauseMenu(PauseMenu(choices: [.resumeRouter,
                                                              .pauseEventType(.entry, reason: "paused from the dashboard"),
                                                              .resumeEventType(.exit)])))
    }

    @Test func pausingOneEventTypeIsChosenWithJAndPreviewedBeforeAnythingChanges() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .character("P"), .character("j"), .character("j"), .character("j"))
        guard case .pauseMenu(let menu)? = model.modal else { Issue.record("no pause dialog"); return }
        #expect(menu.selected == 2)   // stops at the last choice
        #expect(keys(&model, .character("x")) == [])
        #expect(model.status?.text == "j/k choose, Enter asks to confirm, Esc cancels.")
        let asked = keys(&model, .character("k"), .enter)
        #expect(asked == [.preview(.pauseEventType(.entry, reason: "paused from the dashboard"))])
        let preview = ActionPreview(action: .pauseEventType(.entry, reason: "paused from the dashboard"), matching: 12,
                                    question: "Pause ENTRY tasks on every router?",
                                    consequences: ["12 ENTRY tasks waiting (PENDING or RETRYING) stay waiting until you resume."])
        _ = update(&model, .previewLoaded(preview))
        #expect(keys(&model, .character("y")) == [.perform(.pauseEventType(.entry, reason: "paused from the dashboard"))])
    }

    @Test func escClosesThePauseDialogWithoutAsking() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .character("P"))
        #expect(keys(&model, .escape) == [])
        #expect(model.modal == nil)
        #expect(model.status?.text == "Cancelled; nothing changed.")
        #expect(!model.quitRequested)
    }

    @Test func theConfirmationOfASwitchSaysWhatItDoesNeverThatNothingMatches() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .character("P"), .enter)
        let preview = ActionPreview(action: .pauseRouter(reason: "paused from the dashboard"), matching: 0,
                                    question: "Pause every router?",
                                    consequences: ["The 2 live routers stop claiming within one poll interval; nothing is in flight."])
        _ = update(&model, .previewLoaded(preview))
        var frame = CellBuffer(size: model.size)
        view(model, into: &frame, glyphs: .unicode)
        #expect(frame.plainText.contains("The 2 live routers stop claiming"))
        #expect(!frame.plainText.contains("Nothing matches now"))
        // A task action that matches nothing still says so.
        var retry = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&retry, .character("R"))
        _ = update(&retry, .previewLoaded(ActionPreview(action: .retryMatching(TaskFilter(statuses: [.failed])),
                                                        matching: 0, question: "Retry 0 FAILED tasks?")))
        var other = CellBuffer(size: retry.size)
        view(retry, into: &other, glyphs: .unicode)
        #expect(other.plainText.contains("Nothing matches now; confirming changes nothing."))
    }

    @Test func retryOnALogRowOfASucceededTaskSaysWhyAndAsksNothing() {
        var model = Fixture.loaded(Fixture.busySnapshot(logTasks: { $0 == TaskID(1042) ? .failed : .success }))
        _ = keys(&model, .tab)   // the logs panel; its first row is #1050, SUCCESS
        #expect(model.focus == .recentLogs)
        #expect(keys(&model, .character("r")) == [])
        #expect(model.status?.text == "Cannot retry task #1050: it is SUCCESS; only FAILED, DEAD, RETRYING or HELD tasks can be retried.")
        #expect(model.modal == nil)
        #expect(keys(&model, .character("d")) == [] && model.modal == nil)
        #expect(model.status?.text.hasPrefix("Cannot dead-letter task #1050: it is SUCCESS") == true)
        #expect(keys(&model, .character("h")) == [])
        #expect(model.status?.text.hasPrefix("Cannot hold task #1050: it is SUCCESS") == true)
        // The FAILED task's row (#1042, fourth) retries as before.
        _ = keys(&model, .down, .down, .down)
        #expect(keys(&model, .character("r")) == [.preview(.retry([TaskID(1042)]))])
    }

    @Test func markedTasksAreRefusedOnlyWhenNoneCanChange() {
        var model = Fixture.loaded(Fixture.busySnapshot(logTasks: { _ in .success }))
        _ = keys(&model, .tab, .character(" "), .down, .character(" "))   // #1050, then #1049 two rows down
        #expect(model.marked == [TaskID(1050), TaskID(1049)])
        #expect(keys(&model, .character("r")) == [])
        #expect(model.status?.text.hasPrefix("None of the 2 marked tasks can be retried: Cannot retry task #1049") == true)
        // With a FAILED task among them the preview is asked for; the database skips the others.
        _ = keys(&model, .backTab, .character(" "))   // #1042 in the failed panel
        #expect(keys(&model, .character("r")) == [.preview(.retry([TaskID(1042), TaskID(1049), TaskID(1050)]))])
    }

    @Test func taskKeysOutsideTheViewsOfTasksSayWhereTheyWork() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .character("3"))
        #expect(keys(&model, .character("r")) == [])
        #expect(model.status?.text == "retry (r) acts on tasks: select one on the dashboard or in the task list.")
    }

    @Test func anErrorsAdviceIsKeptAndEOpensIt() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .character("r"))
        let error = "cannot execute UPDATE in a read-only transaction\n"
            + "The server is read-only (a hot standby?); point --database-url at the primary."
        _ = update(&model, .actionFailed(error))
        #expect(model.status?.text == "Nothing changed: cannot execute UPDATE in a read-only transaction")
        #expect(model.status?.isError == true)
        #expect(model.lastError?.advice == ["The server is read-only (a hot standby?); point --database-url at the primary."])
        var frame = CellBuffer(size: model.size)
        view(model, into: &frame, glyphs: .unicode)
        #expect(frame.line(23).hasSuffix(" e: what to do "))

        #expect(keys(&model, .character("e")) == [])
        #expect(model.modal == model.lastError.map(Modal.message))
        view(model, into: &frame, glyphs: .unicode)
        #expect(frame.plainText.contains("The server is read-only (a hot standby?); point --database-url at the"))
        // Any key closes it, and does nothing else.
        #expect(keys(&model, .character("q")) == [])
        #expect(model.modal == nil && !model.quitRequested)
    }

    @Test func eWithNoErrorSaysSo() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .character("e"))
        #expect(model.modal == nil && model.status?.text == "No message or error so far.")
    }

    @Test func aLostConnectionsAdviceIsKeptForE() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = update(&model, .snapshotFailed("Could not connect to Postgres at ops@db:5432/q (connection refused).\n"
                                           + "Is the server running? Pass --database-url, or set DATABASE_URL.",
                                           at: Fixture.now.addingTimeInterval(2)))
        #expect(model.connection == .disconnected(since: Fixture.now.addingTimeInterval(2),
                                                  lastError: "Could not connect to Postgres at ops@db:5432/q (connection refused)."))
        _ = keys(&model, .character("e"))
        var frame = CellBuffer(size: model.size)
        view(model, into: &frame, glyphs: .unicode)
        #expect(frame.plainText.contains("Is the server running?"))
        #expect(frame.line(1).hasSuffix(" e: what to do "))   // the banner
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
        #expect(keys(&model, .character("-")) == [])
        #expect(model.refreshInterval == .milliseconds(500))
        _ = keys(&model, .character("-"), .character("-"), .character("-"))
        #expect(model.refreshInterval == .milliseconds(250))
        #expect(model.status?.text == "Refreshing every 250ms.")
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
        #expect(model.currentAccount == "legacy-7")
        #expect(keys(&model, .enter) == [.loadAccountDetail("legacy-7")])
        // A refresh reads the open account again; a detail of another account is not shown.
        #expect(update(&model, .tick(Fixture.now, uptime: .zero)) == [.loadSnapshot(TaskFilter()), .loadAccountDetail("legacy-7")])
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
        #expect(model.currentTask == TaskID(1042))
        _ = keys(&model, .end)
        #expect(model.currentTask == TaskID(987))
    }

    @Test func slashEditsTheFilterOfTheTaskList() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        let opened = keys(&model, .character("/"))
        #expect(opened == [.listTasks(TaskFilter(), limit: 500)])
        #expect(model.modal == .filter(""))
        for character in "failed exit NQ-" { _ = keys(&model, .character(character)) }
        let applied = keys(&model, .enter)
        let expected = TaskFilter(statuses: [.failed], eventType: .exit, tradeIDContains: "NQ-")
        #expect(applied == [.listTasks(expected, limit: 500)])
        #expect(model.filter == expected && model.modal == nil)
        // q while typing is text, not quit.
        _ = keys(&model, .character("/"), .character("q"))
        #expect(model.modal == .filter("FAILED EXIT NQ-q") && !model.quitRequested)
    }

    @Test func theTickRefreshesWhatIsOnScreen() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        #expect(update(&model, .tick(Fixture.now, uptime: .zero)) == [.loadSnapshot(TaskFilter())])
        _ = update(&model, .snapshotLoaded(Fixture.busySnapshot, at: Fixture.now))
        _ = keys(&model, .enter)
        #expect(update(&model, .tick(Fixture.now.addingTimeInterval(1), uptime: .seconds(1)))
                == [.loadSnapshot(TaskFilter()), .loadTaskDetail(TaskID(1042))])
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
        #expect(model.modal == nil)
    }

    @Test func interruptQuits() {
        var model = Fixture.model()
        #expect(update(&model, .interrupted) == [.quit])
    }

    @Test func passwordsNeverReachTheHeader() {
        let environment = ["USER": "ops"]
        let url = ConnectionSettings(conninfo: "postgres://ops:s3cret@db:5432/q?sslmode=require")
        #expect(url.displayName(environment: environment) == "ops@db:5432/q")
        let pairs = ConnectionSettings(conninfo: "host=db dbname=q password=s3cret user=ops")
        #expect(pairs.displayName(environment: environment) == "ops@db:5432/q")
        var frame = CellBuffer(size: .standard)
        let settings = DashboardSettings(databaseName: url.displayName(environment: environment), readOnly: false)
        view(DashboardModel(settings: settings, now: Fixture.now), into: &frame, glyphs: .ascii)
        #expect(frame.line(0).hasPrefix(" ops@db:5432/q ") && !frame.plainText.contains("s3cret"))
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
