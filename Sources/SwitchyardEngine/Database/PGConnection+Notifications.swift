import CLibPQ
import FoundationEssentials
import Glibc

/// A NOTIFY delivered to a listening connection.
public struct PostgresNotification: Sendable, Equatable {
    public var channel: String
    public var payload: String
    public var senderPID: Int
}

extension PGConnection {
    /// Starts listening on `channel`. Channel names are identifiers, not parameters, so only
    /// lower-case letters, digits and underscores are accepted.
    public func listen(_ channel: String) throws {
        guard let first = channel.unicodeScalars.first, first.properties.isLowercase || first == "_",
              channel.unicodeScalars.allSatisfy({ ($0.isASCII && $0.properties.isLowercase) || ("0"..."9").contains($0) || $0 == "_" })
        else {
            throw DatabaseError(message: "Not a valid channel name: \(channel.debugDescription).")
        }
        try execute(Query("LISTEN \(channel)", parameters: [], name: "listen"))
    }

    /// Waits for one notification, or returns nil when `timeout` passes without one.
    ///
    /// Drains what libpq already read, then polls the socket with the remaining time, so a
    /// notification sent a millisecond after the call still wakes it.
    public func waitForNotification(timeout: Duration) throws -> PostgresNotification? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let notification = try nextBufferedNotification() { return notification }
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return nil }
            let socket = try withHandle { PQsocket($0) }
            guard socket >= 0 else { throw DatabaseError(sqlState: .connectionFailure, message: "Lost the connection to Postgres.") }
            let milliseconds = max(1, Int32(clamping: remaining.milliseconds))
            if swy_wait_readable(socket, milliseconds) < 0, errno != EINTR {
                throw DatabaseError(sqlState: .connectionFailure, message: "Waiting for notifications failed (errno \(errno)).")
            }
        }
    }

    /// Waits until the server sends something, `wakeDescriptor` becomes readable, or `timeout`
    /// passes; one poll(), no busy loop. Returns true when the wake descriptor fired. Read what
    /// arrived with `nextBufferedNotification()`.
    func waitForInput(timeout: Duration, wakeDescriptor: Int32) throws -> Bool {
        let socket = try withHandle { PQsocket($0) }
        guard socket >= 0 else { throw DatabaseError(sqlState: .connectionFailure, message: "Lost the connection to Postgres.") }
        let milliseconds = Int32(clamping: max(0, timeout.milliseconds))
        let ready = swy_wait_readable_or_woken(socket, wakeDescriptor, milliseconds)
        if ready < 0 {
            guard errno == EINTR else {
                throw DatabaseError(sqlState: .connectionFailure, message: "Waiting for notifications failed (errno \(errno)).")
            }
            return false
        }
        return ready & 2 != 0
    }

    /// Reads whatever arrived on the socket and returns the first queued notification.
    func nextBufferedNotification() throws -> PostgresNotification? {
        try withHandle { handle in
            guard PQconsumeInput(handle) == 1 else {
                throw DatabaseError(sqlState: .connectionFailure,
                                    message: "Lost the connection to Postgres at \(settings.displayName()).",
                                    detail: "Switchyard reconnects by itself when the server comes back.")
            }
            guard let notify = PQnotifies(handle) else { return nil }
            // "The application must free the returned PGnotify structure with PQfreemem" (libpq docs).
            defer { PQfreemem(notify) }
            return PostgresNotification(channel: String(cString: notify.pointee.relname),
                                        payload: String(cString: notify.pointee.extra),
                                        senderPID: Int(notify.pointee.be_pid))
        }
    }
}
