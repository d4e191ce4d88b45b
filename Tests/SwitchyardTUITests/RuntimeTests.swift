import Foundation
import Testing
import SwitchyardEngine
@testable import SwitchyardTUI

/// An in-memory backend: the TUI's own test double of the seam between the dashboard and the engine.
actor FakeBackend: DashboardBackend {
    private var snapshots: [DashboardSnapshot]
    private var failSnapshots = false
    private var failActions = false
    /// Snapshot reads end as a frozen server's do: given up unanswered.
    private var unanswered = false
    /// While true, `loadSnapshot` waits: the screen before the first data.
    private var holdSnapshots = false
    /// LISTEN wake-ups `waitForChange` will report.
    private var pendingChanges = 0
    private(set) var snapshotLoads = 0
    private(set) var previews: [OperatorAction] = []
    private(set) var performed: [OperatorAction] = []

    init(snapshots: [DashboardSnapshot]) { self.snapshots = snapshots }

    func setFailing(_ failing: Bool) { failSnapshots = failing }
    func setFailingActions(_ failing: Bool) { failActions = failing }
    func setUnanswered(_ value: Bool) { unanswered = value }
    func setHolding(_ holding: Bool) { holdSnapshots = holding }
    /// Makes `waitForChange` report one change, as a NOTIFY would.
    func announceChange() { pendingChanges += 1 }

    func loadSnapshot(filter: TaskFilter) async throws -> DashboardSnapshot {
        while holdSnapshots { try await Task.sleep(for: .milliseconds(5)) }
        snapshotLoads += 1
        if failSnapshots { throw DatabaseError(message: "connection refused") }
        if unanswered {
            throw DatabaseError(sqlState: .connectionFailure, message: "Postgres did not answer within 5 s.",
                                detail: "The server may be frozen.", noAnswerAfter: .seconds(5))
        }
        return snapshots.count > 1 ? snapshots.removeFirst() : snapshots[0]
    }
    func loadTaskDetail(id: TaskID) async throws -> TaskDetail { Fixture.detail }
    func loadAccountDetail(account: String) async throws -> AccountDetail { Fixture.accountDetail }
    func listTasks(filter: TaskFilter, limit: Int) async throws -> [TaskSummary] { Fixture.failedTasks }
    func preview(_ action: OperatorAction) async throws -> ActionPreview {
        previews.append(action)
        return ActionPreview(action: action, matching: 1, question: "retry 1 FAILED ENTRY task?")
    }
    func perform(_ action: OperatorAction) async throws -> ActionReport {
        performed.append(action)
        if failActions {
            throw DatabaseError(sqlState: SQLState(rawValue: "55P03"), message: "could not obtain lock on row",
                                detail: "Another session holds task #1042.",
                                hint: "Try again in a moment, or find the session in pg_stat_activity.")
        }
        return ActionReport(action: action, changed: [TaskID(1042)], skipped: [:])
    }
    func waitForChange(timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if pendingChanges > 0 {
                pendingChanges -= 1
                return true
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        return false
    }
    func routerStatus() async -> RouterStatusLine? { RouterStatusLine(state: .running, dryRun: true) }
}

/// The runtime against `MemoryTerminal` and `FakeBackend`: scripted keys in, frames and backend calls out.
///
/// Serialized: each run has a thread of its own drawing frames; a dozen at once took enough of
/// the two cores to starve timing-sensitive router tests running beside them.
@Suite(.serialized)
struct RuntimeTests {
    func options(readOnly: Bool = false, refresh: Duration = .milliseconds(250), maxRefreshes: Int? = nil)
        -> DashboardOptions
    {
        // NO ANSWER after a minute: on a loaded machine (the whole suite at once) a result can wait
        // seconds for a thread, and these tests are about frames, keys and errors, not waits.
        DashboardOptions(settings: Fixture.settings(readOnly: readOnly), refresh: refresh, maxRefreshes: maxRefreshes,
                         noAnswerAfter: .seconds(60))
    }

    func run(_ backend: FakeBackend, _ terminal: MemoryTerminal, _ options: DashboardOptions) async -> DashboardExit {
        await DashboardRuntime(backend: backend, options: options, clock: { Fixture.now }).run(terminal: terminal)
    }

    @Test(.timeLimit(.minutes(1))) func startDrawsAFrameBeforeTheFirstDataArrives() async {
        let backend = FakeBackend(snapshots: [Fixture.busySnapshot])
        await backend.setHolding(true)
        let terminal = MemoryTerminal(script: [.init(waitingFor: "connecting", .key(.character("q")))])
        let exit = await run(backend, terminal, options())
        #expect(exit == .quit)
        #expect(terminal.frameCount >= 1)
        #expect(terminal.screen?.plainText.contains("ops@db.internal:5432/switchyard") == true)
        #expect(terminal.screen?.plainText.contains("s3cret") == false)
        #expect(await backend.snapshotLoads == 0)
        await backend.setHolding(false) // lets the load still waiting finish
    }

    @Test(.timeLimit(.minutes(1))) func aDatabaseChangeReloadsBeforeTheInterval() async {
        var changed = Fixture.busySnapshot
        changed.queue?.counts[.pending] = 138
        let backend = FakeBackend(snapshots: [Fixture.busySnapshot, changed])
        let terminal = MemoryTerminal(script: [
            .init(waitingFor: "PENDING    137", .key(.character("j"))),
            .init(waitingFor: "PENDING    138", .key(.character("q"))),
        ])
        // The interval is a minute: only LISTEN can bring the second snapshot in time.
        let announcer = Task {
            while await backend.snapshotLoads == 0 { try await Task.sleep(for: .milliseconds(5)) }
            await backend.announceChange()
        }
        let exit = await run(backend, terminal, options(refresh: .seconds(60)))
        announcer.cancel()
        #expect(exit == .quit)
        #expect(await backend.snapshotLoads == 2)
    }

    @Test(.timeLimit(.minutes(1))) func stopsAfterMaxRefreshesAndRedrawsOnlyChangedCells() async {
        var changed = Fixture.busySnapshot
        changed.queue?.counts[.pending] = 138
        let backend = FakeBackend(snapshots: [Fixture.busySnapshot, Fixture.busySnapshot, changed])
        let terminal = MemoryTerminal()
        let exit = await run(backend, terminal, options(maxRefreshes: 3))
        #expect(exit == .refreshLimit)
        #expect(await backend.snapshotLoads == 3)
        #expect(terminal.isRestored)
        #expect(terminal.screen?.plainText.contains("PENDING    138") == true)
        // The last frame changed one count: only the cell of that digit was written.
        #expect(terminal.lastRedrawnRuns.map(\.text) == ["8"])
        // The first full frame, the data arriving, then almost nothing: on a loaded machine a
        // slow read may also redraw the header's age and the status line once or twice, never
        // another whole frame.
        #expect(terminal.cellsWritten < 3 * 80 * 24 + 4 * 80)
    }

    @Test(.timeLimit(.minutes(1))) func qQuitsAndRestoresTheTerminal() async {
        let terminal = MemoryTerminal(script: [.init(waitingFor: "PENDING", .key(.character("q")))])
        let exit = await run(FakeBackend(snapshots: [Fixture.busySnapshot]), terminal, options())
        #expect(exit == .quit)
        #expect(terminal.isRestored)
    }

    @Test(.timeLimit(.minutes(1)), arguments: [SIGINT, SIGTERM, SIGHUP])
    func aSignalStopsTheDashboardCleanly(signal: Int32) async {
        let terminal = MemoryTerminal(script: [.init(waitingFor: "PENDING", .interrupted(signal))])
        let exit = await run(FakeBackend(snapshots: [Fixture.busySnapshot]), terminal, options())
        #expect(exit == .signal(signal))
        #expect(terminal.isRestored)
    }

    @Test(.timeLimit(.minutes(1))) func retryWithKeysReachesTheBackendAfterConfirmation() async {
        let backend = FakeBackend(snapshots: [Fixture.busySnapshot])
        let terminal = MemoryTerminal(script: [
            .init(waitingFor: "#1042", .key(.character("r"))),
            .init(waitingFor: "retry 1 FAILED ENTRY task?", .key(.character("y"))),
            .init(waitingFor: "Retried 1 task", .key(.character("q"))),
        ])
        let exit = await run(backend, terminal, options())
        #expect(exit == .quit)
        #expect(await backend.previews == [.retry([TaskID(1042)])])
        #expect(await backend.performed == [.retry([TaskID(1042)])])
    }

    @Test(.timeLimit(.minutes(1))) func readOnlyKeysReachNothing() async {
        let backend = FakeBackend(snapshots: [Fixture.busySnapshot])
        let terminal = MemoryTerminal(script: [
            .init(waitingFor: "#1042", .key(.character("r"))),
            .init(waitingFor: "Read-only mode", .key(.character("y"))),
            .init(.key(.character("d"))),
            .init(.key(.character("y"))),
            .init(.key(.character("P"))),
            .init(.key(.character("y"))),
            .init(.key(.character("R"))),
            .init(.key(.character("y"))),
            .init(.key(.character("q"))),
        ])
        let exit = await run(backend, terminal, options(readOnly: true))
        #expect(exit == .quit)
        #expect(await backend.previews.isEmpty)
        #expect(await backend.performed.isEmpty)
    }

    @Test(.timeLimit(.minutes(1))) func anUnreachableDatabaseIsShownAndTheDashboardKeepsRunning() async {
        let backend = FakeBackend(snapshots: [Fixture.busySnapshot])
        await backend.setFailing(true)
        let terminal = MemoryTerminal()
        let exit = await run(backend, terminal, options(maxRefreshes: 3))
        #expect(exit == .refreshLimit)
        #expect(await backend.snapshotLoads == 3)
        #expect(terminal.screen?.plainText.contains("database unreachable since") == true)
        #expect(terminal.screen?.plainText.contains("(connection") == true)
    }

    @Test(.timeLimit(.minutes(1))) func aFailedActionIsShownInTheStatusLineAndTheDashboardKeepsRunning() async {
        let backend = FakeBackend(snapshots: [Fixture.busySnapshot])
        await backend.setFailingActions(true)
        let terminal = MemoryTerminal(script: [
            .init(waitingFor: "#1042", .key(.character("r"))),
            .init(waitingFor: "retry 1 FAILED ENTRY task?", .key(.character("y"))),
            .init(waitingFor: "could not obtain lock on row", .key(.character("j"))),
            // The whole error reaches `e`, not only its first line.
            .init(waitingFor: "Nothing changed", .key(.character("e"))),
            .init(waitingFor: "Another session holds task #1042.", .key(.escape)),
            .init(.key(.character("q"))),
        ])
        let exit = await run(backend, terminal, options())
        #expect(exit == .quit)
        #expect(await backend.performed == [.retry([TaskID(1042)])])
    }

    @Test(.timeLimit(.minutes(1))) func aReadGivenUpUnansweredShowsNoAnswerNotOffline() async {
        let backend = FakeBackend(snapshots: [Fixture.busySnapshot])
        let terminal = MemoryTerminal(script: [
            .init(waitingFor: "PENDING    137", .key(.character("j"))),
        ])
        let unanswered = Task {
            while await backend.snapshotLoads == 0 { try await Task.sleep(for: .milliseconds(5)) }
            await backend.setUnanswered(true)
        }
        let exit = await run(backend, terminal, options(maxRefreshes: 3))
        unanswered.cancel()
        #expect(exit == .refreshLimit)
        let screen = terminal.screen?.plainText ?? ""
        #expect(screen.contains("NO ANSWER"), "\(screen)")
        #expect(!screen.contains("OFFLINE"))
        #expect(screen.contains("database not answering since"))
    }

    /// The runtime keeps an error's whole text: `e` opens it with the server's detail and hint.
    @Test(.timeLimit(.minutes(1))) func eOpensAFailedActionsWholeErrorWithItsAdvice() async {
        let backend = FakeBackend(snapshots: [Fixture.busySnapshot])
        await backend.setFailingActions(true)
        let terminal = MemoryTerminal(script: [
            .init(waitingFor: "#1042", .key(.character("r"))),
            .init(waitingFor: "retry 1 FAILED ENTRY task?", .key(.character("y"))),
            .init(waitingFor: "e: what to do", .key(.character("e"))),
            // Each line the script waits for must reach the screen, or the run never ends.
            // (a resize of the same size closes nothing; any key would close the dialog.)
            .init(waitingFor: "Another session holds task #1042.", .resized(.standard)),
            .init(waitingFor: "find the session in pg_stat_activity", .key(.escape)),
            .init(.key(.character("q"))),
        ])
        let exit = await run(backend, terminal, options())
        #expect(exit == .quit)
    }

    @Test(.timeLimit(.minutes(1))) func aResizeRedrawsAtTheNewSize() async {
        let small = TerminalSize(columns: 40, rows: 10)
        let large = TerminalSize(columns: 120, rows: 40)
        let terminal = MemoryTerminal(script: [
            .init(waitingFor: "PENDING", .resized(small)),
            .init(waitingFor: "The terminal is 40x10", .resized(large)),
            .init(waitingFor: "PENDING", .key(.character("q"))),
        ])
        let exit = await run(FakeBackend(snapshots: [Fixture.busySnapshot]), terminal, options())
        #expect(exit == .quit)
        #expect(terminal.screen?.size == large)
    }

    @Test(.timeLimit(.minutes(1))) func withoutUnicodeTheFramesAreASCII() async {
        let terminal = MemoryTerminal(supportsUnicode: false)
        _ = await run(FakeBackend(snapshots: [Fixture.busySnapshot]), terminal, options(maxRefreshes: 1))
        #expect(terminal.screen?.plainText.unicodeScalars.allSatisfy(\.isASCII) == true)
    }

    @Test(.timeLimit(.minutes(1))) func asciiOptionWinsOverAUnicodeTerminal() async {
        let terminal = MemoryTerminal(supportsUnicode: true)
        var options = options(maxRefreshes: 1)
        options.ascii = true
        _ = await run(FakeBackend(snapshots: [Fixture.busySnapshot]), terminal, options)
        #expect(terminal.screen?.plainText.unicodeScalars.allSatisfy(\.isASCII) == true)
    }
}
