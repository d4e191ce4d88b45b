import Foundation
import SwitchyardTestSupport
import Testing
@testable import SwitchyardEngine
@testable import SwitchyardTUI

/// When the dashboard reads, and what it shows while the database does not answer: the policy
/// is `update`'s (messages in, effects out), so these scripts reach it without a runtime.
struct RefreshPolicyTests {
    /// A tick `seconds` after the dashboard started, both clocks moving together.
    func tick(_ model: inout DashboardModel, at seconds: Double) -> [DashboardEffect] {
        update(&model, .tick(Fixture.now.addingTimeInterval(seconds), uptime: .seconds(fractional: seconds)))
    }

    func answer(_ model: inout DashboardModel, at seconds: Double) -> [DashboardEffect] {
        update(&model, .snapshotLoaded(Fixture.busySnapshot, at: Fixture.now.addingTimeInterval(seconds)))
    }

    @Test func oneReadAtATimeThenTheNextAnIntervalAfterTheLastStarted() {
        var model = Fixture.model()
        #expect(tick(&model, at: 0) == [.loadSnapshot(TaskFilter())])
        #expect(model.refresh.outstanding?.uptime == .zero)
        #expect(tick(&model, at: 0.5) == [])
        #expect(answer(&model, at: 0.6) == [])
        #expect(model.refresh.outstanding == nil && model.refresh.answered == 1)
        // The runtime sleeps until then, not in a loop.
        #expect(model.nextTickDue == .seconds(1))
        #expect(tick(&model, at: 0.9) == [])
        #expect(tick(&model, at: 1) == [.loadSnapshot(TaskFilter())])
        // Ticks while the read is out start no other; one answered after its successor was due
        // starts it at once.
        #expect(tick(&model, at: 1.5) == [])
        #expect(tick(&model, at: 2.5) == [])
        #expect(answer(&model, at: 2.5) == [.loadSnapshot(TaskFilter())])
        #expect(model.refresh.nextRead == .seconds(3.5))
    }

    @Test func notifyBurstsAreCoalescedAndAChangeMadeHereReadsAgainAfterTheReadInFlight() {
        var model = Fixture.model(size: .minimum)
        _ = tick(&model, at: 0)
        _ = answer(&model, at: 0.05)
        // NOTIFY 100 ms after the read started: the next read waits until 250 ms after it.
        _ = tick(&model, at: 0.1)
        #expect(update(&model, .databaseChanged) == [])
        #expect(model.refresh.nextRead == RefreshSchedule.coalescing)
        #expect(tick(&model, at: 0.2) == [])
        #expect(tick(&model, at: 0.25) == [.loadSnapshot(TaskFilter())])
        // More NOTIFY while that read is out: still one read at a time.
        #expect(update(&model, .databaseChanged) == [] && update(&model, .databaseChanged) == [])
        // A change made here while a read is out: read again as soon as it is answered.
        let report = ActionReport(action: .retry([TaskID(1042)]), changed: [TaskID(1042)], skipped: [:])
        #expect(update(&model, .actionCompleted(report)) == [])
        #expect(model.refresh.reloadWanted)
        #expect(answer(&model, at: 0.3) == [.loadSnapshot(TaskFilter())])
        #expect(!model.refresh.reloadWanted)
    }

    @Test func aFasterIntervalBringsTheNextReadForward() {
        var model = Fixture.model()
        _ = tick(&model, at: 0)
        _ = answer(&model, at: 0.1)
        #expect(model.refresh.nextRead == .seconds(1))
        _ = update(&model, .key(.character("-")))   // 500 ms
        #expect(model.refresh.nextRead == .milliseconds(500))
    }

    @Test func theLastReadAllowedStopsTheDashboardAndNoTickIsDueAfterIt() {
        var model = DashboardModel(settings: Fixture.settings(), maxRefreshes: 2, now: Fixture.now)
        _ = tick(&model, at: 0)
        #expect(answer(&model, at: 0.1) == [])
        _ = tick(&model, at: 1)
        #expect(update(&model, .snapshotFailed("connection refused", at: Fixture.now.addingTimeInterval(1.1)))
                == [.refreshLimitReached])
        #expect(model.refresh.isFinished && model.nextTickDue == nil)
        #expect(tick(&model, at: 5) == [])
    }

    @Test func aReadUnansweredForTwoSecondsShowsNoAnswerCountingUpOnTheTicksClock() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = tick(&model, at: 0)
        _ = answer(&model, at: 0.01)
        _ = tick(&model, at: 1)   // this read never comes back
        #expect(tick(&model, at: 2.5) == [])
        #expect(model.connection == .connected)
        // Each second shown as it passes: the runtime sleeps until the model's next whole second.
        #expect(model.nextTickDue == .seconds(3))
        #expect(tick(&model, at: 3) == [])
        #expect(model.connection == .noAnswer(since: Moment(date: Fixture.now.addingTimeInterval(1), uptime: .seconds(1))))
        #expect(model.unansweredFor == .seconds(2))
        #expect(model.nextTickDue == .seconds(4))
        _ = tick(&model, at: 13.2)
        #expect(model.unansweredFor == .seconds(12))
        #expect(model.lastError?.text.contains("has not answered since") == true)
        // The read given up (its deadline) keeps NO ANSWER since the same moment, and the next
        // read starts at once: it was due long ago.
        #expect(update(&model, .snapshotUnanswered("Postgres did not answer within 5 s.", at: Fixture.now.addingTimeInterval(14)))
                == [.loadSnapshot(TaskFilter())])
        #expect(model.unansweredFor == .seconds(12))
        // A refusal is another state (OFFLINE), and an answer ends both.
        _ = update(&model, .snapshotFailed("connection refused", at: Fixture.now.addingTimeInterval(15)))
        guard case .disconnected = model.connection else { Issue.record("\(model.connection)"); return }
        _ = tick(&model, at: 16)
        _ = answer(&model, at: 16.1)
        #expect(model.connection == .connected && model.unansweredFor == nil)
    }

    @Test func aPreviewWaitingForTheDatabaseSaysHowLongAndThatEscCancels() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = tick(&model, at: 0)
        _ = answer(&model, at: 0.01)
        #expect(update(&model, .key(.character("r"))) == [.preview(.retry([TaskID(1042)]))])
        #expect(model.status?.text == "Checking what retry would touch…")
        _ = tick(&model, at: 1)
        #expect(model.status?.text == "Checking what retry would touch…")
        _ = tick(&model, at: 6.4)
        #expect(model.status?.text == "Checking what retry would touch… The database has not answered for 6s; Esc cancels.")
        #expect(update(&model, .key(.escape)) == [])
        #expect(model.pendingRequest == nil && model.status?.text == "Cancelled; nothing changed.")
        // The preview that comes in late is not shown.
        let preview = ActionPreview(action: .retry([TaskID(1042)]), matching: 1, question: "retry 1 FAILED ENTRY task?")
        _ = update(&model, .previewLoaded(preview))
        #expect(model.modal == nil)
    }

    @Test func aChangeGivenUpUnansweredSaysItMayOrMayNotHaveBeenMade() {
        var model = Fixture.loaded(Fixture.busySnapshot)
        _ = update(&model, .key(.character("r")))
        let preview = ActionPreview(action: .retry([TaskID(1042)]), matching: 1, question: "retry 1 FAILED ENTRY task?")
        _ = update(&model, .previewLoaded(preview))
        #expect(update(&model, .key(.character("y"))) == [.perform(.retry([TaskID(1042)]))])
        _ = tick(&model, at: 3)
        #expect(model.status?.text.hasSuffix("The database has not answered for 3s; it will say what changed when it does.") == true)
        _ = update(&model, .actionUnanswered("Postgres did not answer within 5 s."))
        #expect(model.pendingRequest == nil)
        #expect(model.status?.isError == true)
        #expect(model.status?.text.hasPrefix("Not known whether it was done: ") == true)
        #expect(model.lastError?.text.isEmpty == false)
    }

    @Test func theHeaderSaysNoAnswerAndTheBannerThatTheDataIsStale() throws {
        var model = Fixture.loaded(Fixture.busySnapshot, size: TerminalSize(columns: 80, rows: 24))
        _ = tick(&model, at: 0)
        _ = answer(&model, at: 0.01)
        _ = tick(&model, at: 1)
        _ = tick(&model, at: 13)
        let frame = FrameTests().render(model).plainText
        #expect(frame.contains("NO ANSWER 12s"))
        try assertSnapshot(frame, named: "no-answer-80x24")
    }
}
