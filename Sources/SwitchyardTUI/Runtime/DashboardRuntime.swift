import FoundationEssentials
import Glibc
import SwitchyardEngine

/// Runs the dashboard: feeds keys, timers, LISTEN wake-ups and effect outcomes to `update`,
/// performs the effects through the backend, and draws each changed frame.
///
/// The loop runs on a thread of its own, never in Swift's cooperative pool: it waits on the
/// terminal, and the terminal (ncurses) must only be touched from one thread.
public final class DashboardRuntime: Sendable {
    private let backend: any DashboardBackend
    private let options: DashboardOptions
    private let clock: @Sendable () -> Date

    /// The longest the loop sleeps with nothing due: keys, results and signals wake it sooner.
    static let longestWait = Duration.seconds(5)

    public init(backend: any DashboardBackend, options: DashboardOptions,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.backend = backend
        self.options = options
        self.clock = clock
    }

    /// Runs until q, a signal, or `maxRefreshes`; the terminal is restored before this returns.
    /// The terminal is used only by the runtime's thread from here on.
    public func run(terminal: any Terminal) async -> DashboardExit {
        let handoff = TerminalHandoff(terminal)
        return await withCheckedContinuation { continuation in
            startDedicatedThread {
                continuation.resume(returning: self.loop(handoff.terminal))
            }
        }
    }

    /// Ticks, keys, LISTEN wake-ups and results in; effects out. When to read is the model's
    /// business (`RefreshSchedule`): the loop only sleeps until `model.nextTickDue`.
    private func loop(_ terminal: any Terminal) -> DashboardExit {
        let mailbox = Mailbox()
        let glyphs: Glyphs = options.ascii || !terminal.supportsUnicode ? .ascii : .unicode
        var model = DashboardModel(settings: options.settings,
                                   refreshInterval: max(options.refresh, DashboardModel.refreshFloor),
                                   maxRefreshes: options.maxRefreshes, now: clock(), size: terminal.size)
        model.noAnswerAfter = options.noAnswerAfter
        if let notice = options.startNotice { model.status = StatusMessage(notice, at: clock(), lifetime: .untilReplaced) }
        var exit: DashboardExit?
        var dirty = true
        // Uptime on the monotonic clock: a wall-clock jump (NTP, a fixed test clock) neither
        // stops nor floods refreshes. `clock` only stamps what the screen shows.
        let started = ContinuousClock.now
        func uptime() -> Duration { started.duration(to: .now) }

        let watcher = Task.detached { [backend] in
            var pause = 1.0
            while !Task.isCancelled {
                do {
                    if try await backend.waitForChange(timeout: .seconds(5)) { mailbox.noteDatabaseChange() }
                    pause = 1
                } catch {
                    // No LISTEN (a hot standby, a lost connection): the refresh interval still polls.
                    try? await Task.sleep(for: .seconds(pause))
                    pause = min(pause * 2, 30)
                }
            }
        }
        // The loop never waits for a backend call: one still running when the dashboard stops
        // (a database that does not answer) is left to finish or fail on its own.
        defer {
            watcher.cancel()
            mailbox.close()
            terminal.restore()
        }

        func perform(_ effect: DashboardEffect) {
            switch effect {
            case .loadSnapshot(let filter):
                spawn(mailbox) { backend, clock in
                    do {
                        let snapshot = try await backend.loadSnapshot(filter: filter)
                        let router = await backend.routerStatus()
                        return [.routerStatusChanged(router), .snapshotLoaded(snapshot, at: clock())]
                    } catch {
                        let router = DashboardMessage.routerStatusChanged(await backend.routerStatus())
                        return isNoAnswer(error) ? [router, .snapshotUnanswered(describe(error), at: clock())]
                            : [router, .snapshotFailed(describe(error), at: clock())]
                    }
                }
            case .listTasks(let filter, let limit):
                spawn(mailbox) { backend, _ in
                    do { return [.taskListLoaded(try await backend.listTasks(filter: filter, limit: limit))] }
                    catch { return [.loadFailed(describe(error))] }
                }
            case .loadTaskDetail(let id):
                spawn(mailbox) { backend, _ in
                    do { return [.taskDetailLoaded(try await backend.loadTaskDetail(id: id))] }
                    catch { return [.loadFailed(describe(error))] }
                }
            case .loadAccountDetail(let account):
                spawn(mailbox) { backend, _ in
                    do { return [.accountDetailLoaded(try await backend.loadAccountDetail(account: account))] }
                    catch { return [.loadFailed(describe(error))] }
                }
            case .preview(let action):
                spawn(mailbox) { backend, _ in
                    do { return [.previewLoaded(try await backend.preview(action))] }
                    catch { return [.actionFailed(describe(error))] }
                }
            case .perform(let action):
                spawn(mailbox) { backend, _ in
                    do { return [.actionCompleted(try await backend.perform(action))] }
                    catch { return [isNoAnswer(error) ? .actionUnanswered(describe(error)) : .actionFailed(describe(error))] }
                }
            case .quit:
                exit = .quit
            case .refreshLimitReached:
                exit = .refreshLimit
            }
        }

        func apply(_ message: DashboardMessage) {
            let shown = (model.connection, model.status, model.unansweredFor)
            let effects = update(&model, message)
            switch message {
            case .databaseChanged:
                break   // only when the next read is due changes: nothing on screen
            case .tick:
                // Every wake ticks; a frame is drawn, as before the policy moved into the model,
                // when the tick starts a refresh (the ages move on) or changes what a wait shows.
                if !effects.isEmpty || shown != (model.connection, model.status, model.unansweredFor) { dirty = true }
            default:
                dirty = true
            }
            for effect in effects { perform(effect) }
        }

        apply(.resized(terminal.size))
        var event: TerminalEvent?
        while exit == nil {
            // The clocks first, so that what follows is measured against now.
            apply(.tick(clock(), uptime: uptime()))
            let (messages, databaseChanged) = mailbox.takeAll()
            if databaseChanged { apply(.databaseChanged) }
            for message in messages { apply(message) }
            switch event {
            case .key(let key)?: apply(.key(key))
            case .resized(let size)?: apply(.resized(size))
            case .interrupted(let signal)?:
                apply(.interrupted)
                exit = .signal(signal)
            case nil: break
            }
            event = nil
            // Drawn even when stopping: the last refresh allowed is shown before the exit.
            if dirty {
                var frame = CellBuffer(size: model.size)
                view(model, into: &frame, glyphs: glyphs)
                terminal.draw(frame)
                dirty = false
            }
            guard exit == nil else { break }
            // Sleep until a key, a result (the mailbox's descriptor) or the next tick the model
            // wants: an idle dashboard wakes once per refresh, not twenty times a second.
            let untilDue = model.nextTickDue.map { $0 - uptime() } ?? Self.longestWait
            event = terminal.nextEvent(timeout: max(.zero, min(Self.longestWait, untilDue)), wake: mailbox.wakeDescriptor)
        }
        return exit ?? .quit
    }

    /// Runs one backend call off the runtime's thread and posts what it returns.
    private func spawn(_ mailbox: Mailbox,
                       _ work: @escaping @Sendable (any DashboardBackend, @Sendable () -> Date) async
                           -> [DashboardMessage]) {
        Task.detached { [backend, clock] in
            for message in await work(backend, clock) { mailbox.post(message) }
        }
    }
}

/// True when the error is the server not answering in time (NO ANSWER), not a refusal.
private func isNoAnswer(_ error: any Error) -> Bool {
    (error as? DatabaseError)?.isNoAnswer == true
}

/// An error's whole description: its first line says what happened, the lines after it the
/// server's detail and what to do. The status line shows the first, `e` all of them.
func describe(_ error: any Error) -> String {
    String(describing: error).trimmed
}

/// Messages posted by effect tasks, and LISTEN's wake-ups, taken by the runtime's loop. Each
/// post also makes `wakeDescriptor` readable, so the loop can sleep in poll() until then.
///
/// `@unchecked Sendable`: all state is guarded by `lock`; the pipe is woken and drained only
/// under it.
final class Mailbox: @unchecked Sendable {
    private let lock = Lock()
    private var messages: [DashboardMessage] = []
    private var databaseChanged = false
    private var closed = false
    private let pipe = WakePipe()

    /// Readable while something waits to be taken; nil when no pipe could be made (the loop
    /// then wakes on its timeout).
    var wakeDescriptor: Int32? { pipe.readDescriptor >= 0 ? pipe.readDescriptor : nil }

    /// Makes the descriptor readable; a full pipe already is. Call holding `lock`.
    private func wake() {
        pipe.wake()
    }

    /// Something in the queue changed; several changes before the next `takeAll` count as one.
    func noteDatabaseChange() {
        lock.lock()
        defer { lock.unlock() }
        if !closed {
            databaseChanged = true
            wake()
        }
    }

    func post(_ message: DashboardMessage) {
        lock.lock()
        defer { lock.unlock() }
        if !closed {
            messages.append(message)
            wake()
        }
    }

    /// The messages posted since the last call, and whether the database changed meanwhile.
    func takeAll() -> (messages: [DashboardMessage], databaseChanged: Bool) {
        lock.lock()
        defer { lock.unlock() }
        let taken = (messages, databaseChanged)
        messages = []
        databaseChanged = false
        pipe.drain()
        return taken
    }

    /// Drops everything posted from now on (results arriving after the dashboard stopped).
    func close() {
        lock.lock()
        defer { lock.unlock() }
        closed = true
        messages = []
    }
}

/// Hands the terminal to the runtime's thread.
///
/// `@unchecked Sendable`: after `run(terminal:)` starts, only that thread touches the terminal.
private struct TerminalHandoff: @unchecked Sendable {
    let terminal: any Terminal
    init(_ terminal: any Terminal) { self.terminal = terminal }
}
