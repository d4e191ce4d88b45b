import Dispatch
import FoundationEssentials

/// A connection shared by concurrent callers, reconnecting when it is lost.
///
/// libpq calls block, so they run on the client's own serial queue rather than on Swift's
/// small cooperative pool; callers `await` the result. Each call waits at most
/// `settings.answerDeadline` for the server, and `close()` never waits for one in progress.
public final class DatabaseClient: @unchecked Sendable {
    // Safe because `connection` and `reconnect` are only read and written on `queue`, a serial
    // queue that every public entry point hops onto first; `patience` only under `patienceLock`.
    private let queue: DispatchQueue
    private var connection: PGConnection?
    private var reconnect = Backoff()
    private let patienceLock = Lock()
    /// Shared by the connections this client opens until `close()` cuts it to zero.
    private var patience = PatienceLimit()
    public let settings: ConnectionSettings

    /// Connects once, so that a bad URL or a wrong password is reported at start-up.
    public static func connect(_ settings: ConnectionSettings) async throws -> DatabaseClient {
        let client = DatabaseClient(settings: settings)
        try await client.withConnection { _ in }
        return client
    }

    /// A client that connects on first use.
    public init(settings: ConnectionSettings) {
        self.settings = settings
        self.queue = DispatchQueue(label: "switchyard.database")
    }

    /// Runs `body` on the connection, connecting first when needed. A lost connection is
    /// dropped so the next call reconnects (no sooner than the backoff allows).
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.runOnQueue(body) })
            }
        }
    }

    /// The same as `withConnection`, blocking the calling thread (for dedicated threads).
    public func withConnectionBlocking<T>(_ body: (PGConnection) throws -> T) throws -> T {
        try queue.sync { try runOnQueue(body) }
    }

    /// Closes the connection without waiting: a call waiting for the server gives up at once
    /// (its caller gets the no-answer error), queued calls after it open a new connection.
    public func close() {
        let abandoned = patienceLock.withLock {
            defer { patience = PatienceLimit() }
            return patience
        }
        abandoned.limit(to: .zero)
        queue.async { [self] in
            if connection?.patience === abandoned {
                connection?.close()
                connection = nil
            }
        }
    }

    private func runOnQueue<T>(_ body: (PGConnection) throws -> T) throws -> T {
        let live = try liveConnection()
        do {
            return try body(live)
        } catch let error as DatabaseError where error.isConnectionLost || !live.isConnected {
            live.close()
            connection = nil
            throw error
        }
    }

    private func liveConnection() throws -> PGConnection {
        if let connection, connection.isConnected { return connection }
        connection = nil
        if let wait = reconnect.remainingWait(now: .now), wait > .zero {
            // Says what the last attempt met: a server that did not answer is still that, not refused.
            let last = reconnect.lastError
            throw DatabaseError(sqlState: .connectionUnable,
                                message: "Not connected to Postgres at \(settings.displayName()); retrying in \(TimeSpan.format(wait, .brief)).",
                                detail: last?.description, noAnswerAfter: last?.noAnswerAfter)
        }
        do {
            let fresh = try PGConnection(settings: settings, patience: patienceLock.withLock { patience })
            connection = fresh
            reconnect.succeeded()
            return fresh
        } catch {
            reconnect.failed(now: .now, error: error as? DatabaseError ?? DatabaseError(message: "\(error)"))
            throw error
        }
    }
}

/// Capped exponential backoff between reconnect attempts. The cap is the routers' too: after a
/// failover the dashboard is on the new primary within about 2 s of the promote.
struct Backoff: Sendable {
    var initial: Duration = .milliseconds(100)
    var maximum: Duration = .seconds(2)
    private(set) var failures = 0
    private(set) var nextAttempt: ContinuousClock.Instant?
    private(set) var lastError: DatabaseError?

    mutating func failed(now: ContinuousClock.Instant, error: DatabaseError) {
        failures += 1
        lastError = error
        let exponent = min(failures - 1, 16)
        let delay = min(maximum, initial * (1 << exponent))
        nextAttempt = now + delay
    }

    mutating func succeeded() {
        failures = 0
        nextAttempt = nil
        lastError = nil
    }

    func remainingWait(now: ContinuousClock.Instant) -> Duration? {
        nextAttempt.map { now.duration(to: $0) }
    }
}
