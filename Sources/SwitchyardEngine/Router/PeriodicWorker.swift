import FoundationEssentials
import Dispatch

/// Runs one part's step on a thread of its own, with a connection of its own, every `interval`
/// (or as soon as the step asks: the scheduler sleeps until its next run) until stopped. Between
/// steps it sleeps on a condition, so a stop or a `wake()` ends the wait at once.
/// A failed step is reported and the connection dropped; the next step reconnects.
final class PeriodicWorker: @unchecked Sendable {
    // Safe because `stopRequested`, `wakeRequested` and `started` are read and written only under
    // `condition`; the connection lives on the worker's thread alone.
    private let condition = MonotonicCondition()
    private var stopRequested = false
    private var wakeRequested = false
    private var started = false
    private let done = DispatchSemaphore(value: 0)

    private let settings: ConnectionSettings
    private let interval: Duration
    /// Returns how long to wait before the next step, or nil for `interval`.
    private let step: @Sendable (PGConnection) throws -> Duration?
    private let failed: @Sendable (Error) -> Void
    private let claimSession: Bool
    private let patience: PatienceLimit?

    /// `claimSession`: plan the step's statements as the claim loops' are (the heartbeat and
    /// the rescue touch the claimed rows); false for parts with their own small tables (alerts).
    /// `patience`: the owner's limit on waits for the database (a router's, shortened at its stop).
    init(settings: ConnectionSettings, interval: Duration, claimSession: Bool = true, patience: PatienceLimit? = nil,
         step: @escaping @Sendable (PGConnection) throws -> Duration?, failed: @escaping @Sendable (Error) -> Void) {
        (self.settings, self.interval, self.step, self.failed) = (settings, interval, step, failed)
        self.claimSession = claimSession
        self.patience = patience
    }

    /// Starts the thread; the first step runs at once.
    func start() {
        condition.withLock {
            guard !started else { return }
            started = true
            startDedicatedThread { [self] in run() }
        }
    }

    /// Runs the next step now instead of at the end of the interval (after the step in progress).
    func wake() {
        condition.withLock {
            wakeRequested = true
            condition.broadcast()
        }
    }

    /// Asks the thread to stop after the step in progress, if any; returns at once.
    func requestStop() {
        condition.withLock {
            stopRequested = true
            condition.broadcast()
        }
    }

    /// Stops after the step in progress, if any, and waits for the thread to end.
    func stop() {
        requestStop()
        if condition.withLock({ started }) { done.wait() }
    }

    private func run() {
        var connection: PGConnection?
        while true {
            if condition.withLock({ stopRequested }) { break }
            var wait = interval
            do {
                let live: PGConnection
                if let connection {
                    live = connection
                } else {
                    live = try PGConnection(settings: settings, patience: patience)
                    // The heartbeat's lease extension and the rescue are planned like the claim loops'.
                    if claimSession { try TaskQueue(connection: live).prepareSessionForClaims() }
                    connection = live
                }
                wait = try step(live) ?? interval
            } catch {
                failed(error)
                connection?.close()
                connection = nil
            }
            let deadline = MonotonicCondition.deadline(after: wait)
            condition.withLock {
                while !stopRequested, !wakeRequested, condition.wait(until: deadline) {}
                wakeRequested = false
            }
        }
        connection?.close()
        done.signal()
    }
}
