import Foundation
import Testing
import SwitchyardEngine
@testable import SwitchyardTUI

/// What is on top takes the keys: scripts of the modal, the hint line and the status line.
struct ModalTests {
    func keys(_ model: inout DashboardModel, _ keys: Key...) -> [DashboardEffect] {
        keys.flatMap { update(&model, .key($0)) }
    }

    func frame(_ model: DashboardModel) -> CellBuffer {
        var frame = CellBuffer(size: model.size)
        view(model, into: &frame, glyphs: .unicode)
        return frame
    }

    @Test func anOpenDialogTakesTheKeysBeforeTheKeyTable() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        // The filter field: q and P are text.
        _ = keys(&model, .character("/"), .character("q"), .character("P"))
        #expect(model.modal == .filter("qP") && !model.quitRequested)
        _ = keys(&model, .escape)
        // The confirmation: P does not open the pause dialog over it, e does not open a message.
        _ = keys(&model, .character("1"), .character("r"))
        let preview = ActionPreview(action: .retry([TaskID(1042)]), matching: 1, question: "Retry?")
        _ = update(&model, .previewLoaded(preview))
        #expect(keys(&model, .character("P"), .character("e")) == [])
        #expect(model.modal == .confirm(preview))
        // The pause dialog: r is not a retry.
        _ = keys(&model, .character("n"), .character("P"))
        #expect(keys(&model, .character("r")) == [])
        guard case .pauseMenu? = model.modal else { Issue.record("the pause dialog closed"); return }
        // A message: any key closes it and does nothing else.
        _ = keys(&model, .escape)
        _ = update(&model, .actionFailed("could not obtain lock on row"))
        _ = keys(&model, .character("e"))
        #expect(keys(&model, .character("r")) == [] && model.modal == nil)
    }

    @Test func whileAPreviewIsAwaitedKeysMoveButNoOtherDialogOpens() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .character("r"))
        #expect(model.modal == .awaitingPreview(.retry([TaskID(1042)])))
        _ = keys(&model, .down)   // moving around still works
        #expect(model.currentTask == TaskID(1038))
        for key in ["P", "d", "/", "e"] {
            #expect(keys(&model, .character(Character(key))) == [])
            #expect(model.modal == .awaitingPreview(.retry([TaskID(1042)])))
            #expect(model.status?.text == "Still waiting for what retry would touch; Esc cancels it.")
        }
        _ = keys(&model, .escape)
        #expect(model.modal == nil && model.status?.text == "Cancelled; nothing changed.")
        // The preview arriving after the cancel opens nothing.
        _ = update(&model, .previewLoaded(ActionPreview(action: .retry([TaskID(1042)]), matching: 1, question: "?")))
        #expect(model.modal == nil)
    }

    @Test func belowTheSmallestSizeOnlyQActs() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = update(&model, .resized(TerminalSize(columns: 40, rows: 10)))
        // At 40x10 on main, P Enter y paused every router.
        #expect(keys(&model, .character("P"), .enter, .character("y")) == [])
        #expect(keys(&model, .character("r"), .character("y"), .character("2"), .character("/")) == [])
        #expect(model.modal == nil && model.view == .dashboard)
        #expect(keys(&model, .escape) == [] && !model.quitRequested)
        #expect(keys(&model, .character("q")) == [.quit] && model.quitRequested)
        // Ctrl-C arrives as a signal, whatever the size.
        var other = Fixture.loaded(Fixture.busySnapshot, size: TerminalSize(columns: 40, rows: 10))
        #expect(update(&other, .interrupted) == [.quit])
    }

    // MARK: Hints

    @Test func spaceTellsTheTruthAboutEscInTheTaskList() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .character("2"))
        _ = update(&model, .taskListLoaded(Fixture.failedTasks))
        _ = keys(&model, .character(" "))
        #expect(model.status?.text == "1 marked; r, d or h act on all of them, Esc clears the marks.")
        #expect(frame(model).line(23).contains("Space mark") == false)   // the status line shows the message
        _ = update(&model, .tick(Fixture.now.addingTimeInterval(StatusMessage.briefSeconds + 1), uptime: .zero))
        #expect(frame(model).line(23).hasPrefix(" Esc unmark"))
        // Esc clears the marks and stays; the next Esc goes back.
        _ = keys(&model, .escape)
        #expect(model.marked.isEmpty && model.view == .taskList)
        #expect(model.status?.text == "Cleared 1 mark; nothing changed.")
        _ = keys(&model, .escape)
        #expect(model.view == .dashboard)
    }

    @Test func readOnlySpaceMarksNothingAndSaysWhy() {
        var model = Fixture.loaded(Fixture.busySnapshot, readOnly: true)
        _ = keys(&model, .character(" "))
        #expect(model.marked.isEmpty)
        #expect(model.status?.text == "Read-only mode: marking tasks for r, d and h (Space) is disabled (started with --read-only).")
        let hints = KeyTable.hintLine(for: .taskList, readOnly: true, width: 119)
        #expect(!hints.contains("Space") && hints.hasSuffix("read-only: changes disabled"))
        // A per-account observer is read-only whatever the flags.
        var snapshot = Fixture.busySnapshot
        snapshot.observedAccounts = ["apex-eval-2"]
        var observer = Fixture.loaded(snapshot)
        _ = keys(&observer, .character(" "))
        #expect(observer.marked.isEmpty && observer.status?.text.hasPrefix("Read-only: marking tasks") == true)
        _ = update(&observer, .tick(Fixture.now.addingTimeInterval(StatusMessage.briefSeconds + 1), uptime: .zero))
        #expect(frame(observer).line(23).contains("read-only: changes disabled"))
    }

    @Test func theHintLineFitsEveryModeAtEightyColumns() {
        let views: [DashboardView] = [.dashboard, .taskList, .taskDetail(TaskID(1)), .routers, .accounts, .alerts,
                                      .schedules, .help]
        for view in views {
            for readOnly in [false, true] {
                for marks in [false, true] {
                    let line = KeyTable.hintLine(for: view, readOnly: readOnly, marks: marks, width: 79)
                    #expect(DisplayWidth.of(line) <= 79, "\(view) hint line: \(line)")
                    #expect(!line.hasSuffix("…"))
                    #expect(line.contains("Esc unmark") == marks, "\(view): \(line)")
                }
            }
        }
    }

    // MARK: Messages

    @Test func eOpensTheMessageOnScreenEvenWhenItIsNoError() {
        var model = Fixture.loaded(Fixture.busySnapshot(logTasks: { _ in .success }))
        _ = keys(&model, .tab, .character("r"))   // a SUCCESS task: refused on the spot
        let refusal = model.status
        #expect(refusal?.text.hasPrefix("Cannot retry task #1050") == true)
        _ = keys(&model, .character("e"))
        #expect(model.modal == refusal.map(Modal.message))
        #expect(frame(model).plainText.contains("Message"))
    }

    @Test func aConnectionErrorGoesWhenTheDatabaseAnswersAgain() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = keys(&model, .character("r"))
        _ = update(&model, .snapshotFailed("Not connected to Postgres (connection refused).", at: Fixture.now.addingTimeInterval(1)))
        _ = update(&model, .actionFailed("Not connected to Postgres (connection refused).\nIs the server running?"))
        #expect(model.status?.isError == true)
        _ = update(&model, .tick(Fixture.now.addingTimeInterval(120), uptime: .zero))
        #expect(model.status?.text == "Nothing changed: Not connected to Postgres (connection refused).")
        _ = update(&model, .snapshotLoaded(Fixture.busySnapshot, at: Fixture.now.addingTimeInterval(121)))
        #expect(model.status == nil && model.connection == .connected)
        // The whole error stays for e.
        #expect(model.lastError?.advice == ["Is the server running?"])
    }

    @Test func aSwitchsMessageGoesWhenTheSwitchChangesAgain() {
        var paused = Fixture.busySnapshot
        paused.control?.globalPaused = true
        var model = Fixture.loaded(paused)
        _ = update(&model, .actionCompleted(ActionReport(action: .resumeRouter, changed: [], skipped: [:])))
        let message = model.status?.text
        #expect(message?.isEmpty == false)
        // An older read that still shows them paused does not end it; the resumed state does not either.
        _ = update(&model, .snapshotLoaded(paused, at: Fixture.now.addingTimeInterval(1)))
        #expect(model.status?.text == message)
        _ = update(&model, .snapshotLoaded(Fixture.busySnapshot, at: Fixture.now.addingTimeInterval(2)))
        #expect(model.status?.text == message)
        // Someone paused them again: the message is no longer true.
        _ = update(&model, .snapshotLoaded(paused, at: Fixture.now.addingTimeInterval(3)))
        #expect(model.status == nil)
    }

    @Test func aPlainConfirmationGoesAfterAWhileOnTheModelsClock() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = update(&model, .actionCompleted(ActionReport(action: .retry([TaskID(1042)]), changed: [TaskID(1042)],
                                                         skipped: [:])))
        _ = update(&model, .tick(Fixture.now.addingTimeInterval(StatusMessage.briefSeconds - 1), uptime: .zero))
        #expect(model.status?.text == "Retried 1 task.")
        _ = update(&model, .tick(Fixture.now.addingTimeInterval(StatusMessage.briefSeconds + 1), uptime: .zero))
        #expect(model.status == nil)
    }
}
