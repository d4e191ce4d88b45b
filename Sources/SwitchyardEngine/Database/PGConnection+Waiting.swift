import CLibPQ
import Dispatch
import FoundationEssentials
import Glibc

/// Connecting and waiting for answers with a deadline: libpq's non-blocking calls and poll(),
/// never a call that blocks until the server speaks (a frozen server never does; see
/// docs/pitfalls.md, "A server that stops answering").
extension PGConnection {
    /// Opens a connection with `PQconnectStartParams` and `PQconnectPoll`, waiting at most the
    /// earlier of the answer deadline and libpq's `connect_timeout` (for all hosts of a multi-host
    /// URL together), and puts it in non-blocking mode.
    static func connect(_ settings: ConnectionSettings, patience: PatienceLimit?) throws -> OpaquePointer {
        var keywords = ["fallback_application_name"]
        var values = [settings.applicationName]
        if ProcessInfo.processInfo.environment["PGCONNECT_TIMEOUT"] == nil {
            keywords.append("connect_timeout")
            values.append("\(AnswerDeadline.connect.components.seconds)")
        }
        // A server behind a dead network link (a dropped VPN, a failed-over host) is noticed in
        // about 15 s instead of the kernel's two hours: keepalives, and a cap on unacknowledged
        // writes. TCP only; the URL may override them.
        keywords += ["keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout"]
        values += ["10", "5", "3", "15000"]
        // Last, so that the URL's own settings win (expand_dbname = 1).
        keywords.append("dbname")
        values.append(settings.conninfo)
        let started = ContinuousClock.now
        let opened = withCStringArray(keywords) { keywordPointers in
            withCStringArray(values) { valuePointers in
                PQconnectStartParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let handle = opened else { throw ConnectionFailure.describe("out of memory", settings: settings) }
        func failure() -> DatabaseError {
            // libpq hands back a handle even when connecting fails: read the message, then free it.
            let message = PQerrorMessage(handle).map { String(cString: $0) } ?? "unknown error"
            PQfinish(handle)
            return ConnectionFailure.describe(message, settings: settings)
        }
        guard PQstatus(handle) != CONNECTION_BAD else { throw failure() }
        let deadline = [settings.answerDeadline, connectTimeout(of: handle)].compactMap { $0 }.min()
        // "If you have yet to call PQconnectPoll, behave as if it last returned PGRES_POLLING_WRITING."
        var state = PGRES_POLLING_WRITING
        while state != PGRES_POLLING_OK {
            guard state == PGRES_POLLING_READING || state == PGRES_POLLING_WRITING else { throw failure() }
            // The socket may change between calls (the next host of a multi-host URL).
            let socket = PQsocket(handle)
            guard socket >= 0 else { throw failure() }
            switch waitForSocket(socket, forWrite: state == PGRES_POLLING_WRITING, startedAt: started,
                                 deadline: deadline, patience: patience) {
            case .ready: break
            case .expired(let waited):
                PQfinish(handle)
                patience?.noteUnanswered()
                throw DatabaseError.noAnswer(after: waited, from: settings, queryName: nil, connecting: true)
            case .failed(let error):
                PQfinish(handle)
                throw ConnectionFailure.describe("poll() failed (errno \(error))", settings: settings)
            }
            state = PQconnectPoll(handle)
        }
        swy_silence_notices(handle)
        // Sends never block either: PQflush and poll() do the waiting (and PQfinish of a
        // connection to a frozen server returns at once).
        PQsetnonblocking(handle, 1)
        return handle
    }

    /// libpq's `connect_timeout` in force for `handle` (the URL's, PGCONNECT_TIMEOUT, or ours);
    /// nil when it is 0 (none). Below 2 s libpq uses 2 s, and so does this.
    private static func connectTimeout(of handle: OpaquePointer) -> Duration? {
        guard let options = PQconninfo(handle) else { return nil }
        defer { PQconninfoFree(options) }
        var cursor = options
        while let keyword = cursor.pointee.keyword {
            if String(cString: keyword) == "connect_timeout" {
                guard let value = cursor.pointee.val, let seconds = Int(String(cString: value).trimmed), seconds > 0 else {
                    return nil
                }
                return .seconds(max(2, seconds))
            }
            cursor += 1
        }
        return nil
    }

    /// Sends what libpq has buffered and collects the answer to the statement just sent: the
    /// first error result, else the last result (as `PQexec` does). Throws when the connection
    /// fails or the server does not answer in time (the connection is then abandoned).
    func awaitResult(queryName: String?) throws -> OpaquePointer? {
        let started = ContinuousClock.now
        let handle = try liveHandle(for: queryName)
        // "After sending any command or data on a nonblocking connection, call PQflush. If it
        // returns 1, wait for the socket to become read- or write-ready. ... If it becomes
        // read-ready, call PQconsumeInput, then call PQflush again." (libpq docs)
        while true {
            let flushed = PQflush(handle)
            if flushed == 0 { break }
            guard flushed > 0 else { throw lostConnectionError(queryName: queryName) }
            try waitForServer(handle, forWrite: true, startedAt: started, queryName: queryName)
            guard PQconsumeInput(handle) == 1 else { throw lostConnectionError(queryName: queryName) }
        }
        var kept: OpaquePointer?
        while true {
            while PQisBusy(handle) == 1 {
                do {
                    try waitForServer(handle, forWrite: false, startedAt: started, queryName: queryName)
                } catch {
                    PQclear(kept)
                    throw error
                }
                guard PQconsumeInput(handle) == 1 else {
                    PQclear(kept)
                    throw lostConnectionError(queryName: queryName)
                }
            }
            guard let result = PQgetResult(handle) else { return kept }
            if let kept, PQresultStatus(kept) == PGRES_FATAL_ERROR {
                PQclear(result)
            } else {
                PQclear(kept)
                kept = result
            }
        }
    }

    /// Waits until the socket is ready; when the deadline passes first, cancels the statement,
    /// abandons the connection and throws the no-answer error.
    private func waitForServer(_ handle: OpaquePointer, forWrite: Bool, startedAt started: ContinuousClock.Instant,
                               queryName: String?) throws {
        let socket = PQsocket(handle)
        guard socket >= 0 else { throw lostConnectionError(queryName: queryName) }
        switch Self.waitForSocket(socket, forWrite: forWrite, startedAt: started, deadline: settings.answerDeadline,
                                  patience: patience) {
        case .ready:
            return
        case .expired(let waited):
            Self.cancelInBackground(handle)
            abandon()
            patience?.noteUnanswered()
            throw DatabaseError.noAnswer(after: waited, from: settings, queryName: queryName, connecting: false)
        case .failed(let error):
            abandon()
            throw DatabaseError(sqlState: .connectionFailure, message: "Waiting for Postgres failed (errno \(error)).",
                                queryName: queryName)
        }
    }

    enum SocketWait { case ready, expired(waited: Duration), failed(errno: Int32) }

    /// Polls `socket` (and the patience limit's descriptor while no limit is set) until it is
    /// ready or the earlier of `deadline` (from `started`) and the patience limit passes.
    static func waitForSocket(_ socket: Int32, forWrite: Bool, startedAt started: ContinuousClock.Instant,
                              deadline: Duration?, patience: PatienceLimit?) -> SocketWait {
        while true {
            let (limitEnd, wake) = patience?.end(ofWaitStartedAt: started) ?? (nil, -1)
            let end = [deadline.map { started + $0 }, limitEnd].compactMap { $0 }.min()
            var timeout: Int32 = -1
            if let end {
                let remaining = ContinuousClock.now.duration(to: end)
                if remaining <= .zero { return .expired(waited: started.duration(to: .now)) }
                timeout = Int32(clamping: remaining.milliseconds + 1)
            }
            let ready = swy_wait_socket(socket, forWrite ? 1 : 0, wake, timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                return .failed(errno: errno)
            }
            if ready & 1 != 0 { return .ready }
            // The time is up, or a limit was just set: the next turn works out which.
        }
    }

    /// Closes the connection without waiting for the server: in non-blocking mode PQfinish
    /// queues its goodbye and returns.
    func abandon() {
        close()
    }

    // MARK: Cancelling

    /// At most this many cancel requests may hang at once against a server that does not answer;
    /// later ones are skipped (the server ends the statement when it next finds the client gone).
    static let maximumHungCancels = 4
    /// How long the waiting thread gives a cancel request before it abandons the connection.
    static let cancelWait = Duration.milliseconds(100)

    /// Asks the server to cancel the statement running for `handle`, on a thread of its own:
    /// PQcancel opens a second connection and waits for the server to close it, which a frozen
    /// server never does. The caller waits at most `cancelWait`.
    static func cancelInBackground(_ handle: OpaquePointer) {
        guard hungCancels.enter(limit: maximumHungCancels) else { return }
        // "PQgetCancel creates a data structure containing the information needed to cancel a
        // command ... PQcancel can safely be invoked from a thread that is separate from the one
        // manipulating the PGconn object." (libpq docs) It outlives PQfinish of the connection.
        guard let cancel = PQgetCancel(handle) else {
            hungCancels.leave()
            return
        }
        let request = CancelRequest(cancel)
        let done = DispatchSemaphore(value: 0)
        startDedicatedThread {
            var message = [CChar](repeating: 0, count: 256)
            _ = PQcancel(request.pointer, &message, Int32(message.count))
            PQfreeCancel(request.pointer)
            hungCancels.leave()
            done.signal()
        }
        _ = done.wait(timeout: .now() + .milliseconds(cancelWait.milliseconds))
    }
}

/// A `PGcancel` handed to the thread that sends it and frees it.
///
/// `@unchecked Sendable`: only that thread uses it after the hand-over.
private struct CancelRequest: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

/// Cancel requests still waiting for a server to answer.
///
/// `@unchecked Sendable`: `count` is read and written only under `lock`.
private final class HungCancels: @unchecked Sendable {
    private let lock = Lock()
    private var count = 0

    /// Counts one more unless `limit` already wait; true when it did.
    func enter(limit: Int) -> Bool {
        lock.withLock {
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func leave() { lock.withLock { count -= 1 } }
}

private let hungCancels = HungCancels()
