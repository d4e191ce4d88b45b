import CLibPQ
import FoundationEssentials
import Glibc

/// One libpq connection. Not thread-safe: one thread at a time, or share it through `DatabaseClient`.
///
/// Every wait for the server has a deadline (`settings.answerDeadline`, and `patience` when
/// another thread shortens it): statements are sent without blocking and their answer awaited in
/// poll(); connecting goes through `PQconnectPoll` the same way. A wait that passes its deadline
/// cancels the statement, abandons the connection and throws a `DatabaseError` whose
/// `noAnswerAfter` is set (`PGConnection+Waiting.swift`).
public final class PGConnection {
    private(set) var handle: OpaquePointer?
    public let settings: ConnectionSettings
    /// Shortens this connection's waits from another thread (a router's stop, a client's close).
    let patience: PatienceLimit?

    /// Connects, or throws an error that says what failed and what to do.
    public init(settings: ConnectionSettings, patience: PatienceLimit? = nil) throws {
        try settings.validate()
        self.settings = settings
        self.patience = patience
        handle = try Self.connect(settings, patience: patience)
        if settings.readOnly {
            try execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        }
    }

    deinit { close() }

    /// Closes the connection. Calling it twice is harmless.
    public func close() {
        guard let handle else { return }
        PQfinish(handle)
        self.handle = nil
    }

    /// True while libpq believes the connection is usable.
    public var isConnected: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// The server's process id for this session (for pg_stat_activity and signals).
    public var backendPID: Int { handle.map { Int(PQbackendPID($0)) } ?? 0 }

    /// Runs one parameterized statement and copies its rows out.
    @discardableResult
    public func execute(_ query: Query) throws -> QueryResult {
        let handle = try liveHandle(for: query.name)
        for (position, value) in query.parameters.enumerated() where value?.utf8.contains(0) == true {
            throw DatabaseError(
                sqlState: .characterNotInRepertoire, message: "Parameter $\(position + 1) contains a NUL character.",
                detail: "PostgreSQL text cannot store NUL (0x00) bytes; remove them from the value.",
                queryName: query.name)
        }
        let sent = withOptionalCStringArray(query.parameters) { parameterPointers in
            PQsendQueryParams(handle, query.sql, Int32(query.parameters.count), nil, parameterPointers, nil, nil, 0)
        }
        guard sent == 1 else { throw lostConnectionError(queryName: query.name) }
        return try consume(awaitResult(queryName: query.name), queryName: query.name)
    }

    /// Runs SQL text holding several statements and no values (migration files only).
    public func executeScript(_ sql: String, name: String) throws {
        let handle = try liveHandle(for: name)
        guard PQsendQuery(handle, sql) == 1 else { throw lostConnectionError(queryName: name) }
        _ = try consume(awaitResult(queryName: name), queryName: name)
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    public func transaction<T>(readOnly: Bool = false, repeatableRead: Bool = false,
                               _ body: (PGConnection) throws -> T) throws -> T {
        let begin = "BEGIN" + (repeatableRead ? " ISOLATION LEVEL REPEATABLE READ" : "") + (readOnly ? " READ ONLY" : "")
        try execute(Query(begin, parameters: []))
        do {
            let value = try body(self)
            try execute("COMMIT")
            return value
        } catch {
            if isConnected { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Calls `body` with the live libpq handle (for the notification extension).
    func withHandle<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        try body(liveHandle(for: nil))
    }

    func liveHandle(for queryName: String?) throws -> OpaquePointer {
        guard let handle else {
            throw DatabaseError(sqlState: .connectionFailure, message: "The connection to Postgres is closed.",
                                queryName: queryName)
        }
        return handle
    }

    /// Copies a result out and clears it exactly once.
    private func consume(_ result: OpaquePointer?, queryName: String?) throws -> QueryResult {
        guard let result else { throw lostConnectionError(queryName: queryName) }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return QueryResult(rows: [], affectedRows: affectedRows(result))
        case PGRES_TUPLES_OK:
            return QueryResult(rows: copyRows(result), affectedRows: affectedRows(result))
        default:
            throw serverError(result, queryName: queryName)
        }
    }

    private func affectedRows(_ result: OpaquePointer) -> Int {
        guard let text = PQcmdTuples(result) else { return 0 }
        return Int(String(cString: text)) ?? 0
    }

    private func copyRows(_ result: OpaquePointer) -> [Row] {
        let rowCount = PQntuples(result), columnCount = PQnfields(result)
        let names = ColumnNames((0..<columnCount).map { String(cString: PQfname(result, $0)) })
        var rows: [Row] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, row, column)))
                }
            }
            rows.append(Row(columns: names, values: values))
        }
        return rows
    }

    private func serverError(_ result: OpaquePointer, queryName: String?) -> DatabaseError {
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { String(cString: $0) }
        }
        guard let state = field(Int32(swy_diag_sqlstate)) else {
            return lostConnectionError(queryName: queryName)
        }
        let primary = field(Int32(swy_diag_message_primary)) ?? "unknown error"
        var error = DatabaseError(sqlState: SQLState(rawValue: state), message: primary,
                                  detail: field(Int32(swy_diag_message_detail)),
                                  hint: field(Int32(swy_diag_message_hint)), queryName: queryName)
        ConnectionFailure.explain(&error, settings: settings)
        return error
    }

    func lostConnectionError(queryName: String?) -> DatabaseError {
        let libpqMessage = handle.flatMap { PQerrorMessage($0) }.map { String(cString: $0) }?
            .trimmed
        return DatabaseError(
            sqlState: .connectionFailure,
            message: "Lost the connection to Postgres at \(settings.displayName()).",
            detail: (libpqMessage.map { "libpq said: \($0). " } ?? "")
                + "Is the server running? Switchyard reconnects by itself when it comes back.",
            queryName: queryName)
    }
}

// A PGconn must never be used from two threads at once.
@available(*, unavailable)
extension PGConnection: Sendable {}

/// Calls `body` with a NULL-free array of C strings that lives for the call.
func withCStringArray<T>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
    withOptionalCStringArray(strings.map { Optional($0) }) { pointers in
        body(pointers + [nil])
    }
}

/// Calls `body` with C strings (nil stays NULL) that live for the call.
func withOptionalCStringArray<T>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } ?? nil }
    defer { copies.forEach { free($0) } }
    return body(copies.map { $0.map { UnsafePointer($0) } })
}
