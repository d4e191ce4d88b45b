import FoundationEssentials

/// The desk's own few connections: routing runs on worker threads that hold none, and libpq
/// blocks, so each order borrows one for its two short statements and gives it back. At most
/// `size` exist; a worker that finds all of them busy waits for one.
final class DeskConnections: @unchecked Sendable {
    // Safe because `idle` and `open` are read and written only under `condition`; a connection
    // is used by the one thread that borrowed it until it is given back.
    private let condition = MonotonicCondition()
    private var idle: [PGConnection] = []
    private var open = 0
    private let settings: ConnectionSettings
    private let size: Int

    init(settings: ConnectionSettings, size: Int) {
        (self.settings, self.size) = (settings, max(1, size))
    }

    /// Runs `body` on a borrowed connection (connecting when none is idle). A connection that
    /// failed is closed, not given back: the next borrower connects afresh.
    func with<T>(_ body: (PGConnection) throws -> T) throws -> T {
        let borrowed: PGConnection? = condition.withLock {
            while idle.isEmpty && open >= size { _ = condition.wait(until: MonotonicCondition.deadline(after: .seconds(1))) }
            if let connection = idle.popLast() { return connection }
            open += 1
            return nil
        }
        let connection: PGConnection
        do {
            connection = try borrowed ?? PGConnection(settings: settings)
        } catch {
            giveBack(nil)
            throw error
        }
        do {
            let value = try body(connection)
            giveBack(connection)
            return value
        } catch {
            giveBack(connection.isConnected && !((error as? DatabaseError)?.isConnectionLost ?? false) ? connection : nil)
            throw error
        }
    }

    /// Closes the idle connections (those borrowed are closed when given back after this).
    func close() {
        let closing = condition.withLock {
            defer { idle = [] }
            open -= idle.count
            return idle
        }
        closing.forEach { $0.close() }
    }

    private func giveBack(_ connection: PGConnection?) {
        condition.withLock {
            if let connection { idle.append(connection) } else { open -= 1 }
            condition.broadcast()
        }
    }
}
