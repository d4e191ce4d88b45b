import FoundationEssentials
import Dispatch
import Glibc

/// The one LISTEN connection of a process, shared by its router and its dashboard.
///
/// A thread of its own blocks in poll() on the connection's socket and on a wake pipe: an idle
/// process costs nothing, and a notification wakes every waiter about a millisecond after the
/// commit that sent it. Waiters keep a `mark` and wait for anything newer, so a notification
/// that arrives while they are busy is never lost, and several count as one.
///
/// While the server is unreachable (or refuses LISTEN, as a hot standby does), waiters simply
/// time out: callers keep their own poll interval as the fallback.
public final class TaskNotifier: @unchecked Sendable {
    // Safe because every mutable property below is read and written only under `lock`, except
    // `connection`, which only the listening thread (or a test calling `runOnce` on a notifier
    // it never started) touches.
    private let lock = Lock()
    private let waiters = WakeSignal()
    private var stopRequested = false
    private var started = false
    private var stopped = DispatchSemaphore(value: 0)
    private var connectedNow = false
    /// Limited to zero by `stop()`, so that a connect or a LISTEN to a server that does not
    /// answer ends at once; a new one for each start.
    private var patience = PatienceLimit()
    private var connection: PGConnection?
    private let wakePipe = WakePipe()

    public let settings: ConnectionSettings
    public let channels: [NotificationChannel]

    /// A notifier for `channels` (all of them by default); nothing connects until `start()`.
    public init(settings: ConnectionSettings, channels: [NotificationChannel] = NotificationChannel.allCases) {
        self.settings = settings
        self.channels = channels
    }

    deinit {
        connection?.close()
    }

    /// Starts the listening thread. Calling it while running does nothing.
    public func start() {
        lock.withLock {
            guard !started else { return }
            stopRequested = false
            stopped = DispatchSemaphore(value: 0)
            patience = PatienceLimit()
            started = true
            startDedicatedThread { [self] in runLoop() }
        }
    }

    /// Stops the listening thread and closes its connection; waits until it has, which is at
    /// once even when the server does not answer (its waits are cut short). Harmless twice.
    public func stop() {
        let done: DispatchSemaphore? = lock.withLock {
            guard started else { return nil }
            stopRequested = true
            patience.limit(to: .zero)
            return stopped
        }
        guard let done else { return }
        poke()
        done.wait()
        lock.withLock { started = false }
    }

    // MARK: Waiting

    /// The current mark: a wait `after` it returns as soon as anything newer happens.
    public var mark: UInt64 { waiters.mark }

    /// What waiters wait on: woken by every notification and every `wakeAll()`.
    public var waitSignal: WakeSignal { waiters }

    /// True while the LISTEN connection is up.
    public var isListening: Bool { lock.withLock { connectedNow } }

    /// Blocks until something happens after `mark` (a notification, `wakeAll()`), or until
    /// `timeout` passes. Returns the new mark and whether anything happened.
    @discardableResult
    public func wait(after mark: UInt64, timeout: Duration) -> (mark: UInt64, changed: Bool) {
        waiters.wait(after: mark, timeout: timeout)
    }

    /// The same wait for async callers (the dashboard), on a thread outside Swift's small
    /// cooperative pool.
    public func waitForChange(after mark: UInt64, timeout: Duration) async -> (mark: UInt64, changed: Bool) {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: self.wait(after: mark, timeout: timeout)) }
        }
    }

    /// Wakes every waiter: a change made in this process (a batch written back, a stop).
    public func wakeAll() {
        waiters.wakeAll()
    }

    // MARK: Step

    /// One pass of the listening loop: connects and LISTENs when needed, waits up to `timeout`
    /// on the socket and the wake pipe, and wakes the waiters for what arrived. Returns the
    /// notifications received. Throws when the connection fails; the next call reconnects.
    @discardableResult
    public func runOnce(timeout: Duration) throws -> [PostgresNotification] {
        let live: PGConnection
        do {
            live = try listeningConnection()
            _ = try live.waitForInput(timeout: timeout, wakeDescriptor: wakePipe.readDescriptor)
            wakePipe.drain()
            var received: [PostgresNotification] = []
            while let notification = try live.nextBufferedNotification() { received.append(notification) }
            if !received.isEmpty { wakeAll() }
            return received
        } catch {
            connection?.close()
            connection = nil
            lock.withLock { connectedNow = false }
            throw error
        }
    }

    private func listeningConnection() throws -> PGConnection {
        if let connection, connection.isConnected { return connection }
        connection?.close()
        connection = nil
        let fresh = try PGConnection(settings: settings, patience: lock.withLock { patience })
        for channel in channels { try fresh.listen(channel.rawValue) }
        connection = fresh
        lock.withLock { connectedNow = true }
        // Whatever happened while nobody listened is unknown: wake the waiters to look.
        wakeAll()
        return fresh
    }

    private var isStopping: Bool { lock.withLock { stopRequested } }

    private func runLoop() {
        var failures = 0
        while !isStopping {
            do {
                try runOnce(timeout: .seconds(60))
                failures = 0
            } catch {
                failures += 1
                // Reconnect no faster than the backoff; a stop still ends the wait at once.
                let backoff = Duration.milliseconds(min(2000, 100 << min(failures, 5)))
                var waitFor = pollfd(fd: wakePipe.readDescriptor, events: Int16(POLLIN), revents: 0)
                _ = poll(&waitFor, 1, Int32(backoff.milliseconds))
                wakePipe.drain()
            }
        }
        connection?.close()
        connection = nil
        let done = lock.withLock {
            connectedNow = false
            return stopped
        }
        done.signal()
    }

    /// Interrupts the listening thread's poll() (a stop).
    private func poke() {
        wakePipe.wake()
    }
}
