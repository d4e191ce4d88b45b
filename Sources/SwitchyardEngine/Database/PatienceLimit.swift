/// Shortens, from any thread, how long the connections that share it wait for Postgres, waits
/// already in progress included: after `limit(to:)`, no wait (a statement's answer, a connect)
/// lasts longer than that, counted from the limit for a wait already running.
///
/// A router limits its connections when asked to stop (`AnswerDeadline.stopping`), so a server
/// that stopped answering cannot hold the stop; `DatabaseClient.close()` limits its connection to
/// zero, so closing never waits on a hung call. A wait with no deadline of its own also polls
/// `wakeDescriptor`, which becomes readable (and stays so) once a limit is set.
///
/// `@unchecked Sendable`: the limit is guarded by `lock`; the pipe is woken once, under it.
public final class PatienceLimit: @unchecked Sendable {
    private let lock = Lock()
    private var limit: (patience: Duration, since: ContinuousClock.Instant)?
    private var unansweredSinceLimit = false
    private let pipe = WakePipe()

    public init() {}

    /// From now on no wait lasts longer than `patience` (one already running: `patience` from now).
    /// A longer limit never replaces a shorter one.
    public func limit(to patience: Duration) {
        lock.withLock {
            if let limit, limit.patience <= patience { return }
            let first = limit == nil
            limit = (max(.zero, patience), .now)
            // Level-triggered: never drained, so every wait that polls it sees it from now on.
            if first { pipe.wake() }
        }
    }

    /// True when, since `limit(to:)`, a wait of a connection sharing this limit ended with no
    /// answer: a router's stop then asks the database nothing more.
    public var wentUnansweredSinceLimit: Bool { lock.withLock { unansweredSinceLimit } }

    /// A wait of a connection sharing this limit ended with no answer.
    func noteUnanswered() {
        lock.withLock { if limit != nil { unansweredSinceLimit = true } }
    }

    /// When a wait that began at `start` must end (nil: no limit yet), and the descriptor to
    /// poll beside the socket until then (-1 once limited: the end is then known).
    func end(ofWaitStartedAt start: ContinuousClock.Instant) -> (end: ContinuousClock.Instant?, wake: Int32) {
        lock.withLock {
            guard let limit else { return (nil, pipe.readDescriptor) }
            return (max(start, limit.since) + limit.patience, -1)
        }
    }
}
