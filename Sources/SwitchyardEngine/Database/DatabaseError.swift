/// A failure talking to Postgres. `sqlState` is set when the server answered.
public struct DatabaseError: RemedyCarrying, Sendable {
    public var sqlState: SQLState?
    /// The first line: what happened, in words an operator can act on.
    public var message: String
    /// The server's detail, or what to do next.
    public var detail: String?
    public var hint: String?
    /// The query's name ("claimAvailableTasks"); never the bound values.
    public var queryName: String?
    /// Set when the server did not answer within this long (a frozen server, a network black
    /// hole): the connection was abandoned. nil for every other failure, a refused connection
    /// included.
    public var noAnswerAfter: Duration?
    /// What the operator can do, when the engine knows; its advice is in `detail` or `hint`.
    public var remedy: Remedy?

    /// `remedy`'s advice is the detail when no `detail` is given; a caller that writes its own
    /// detail or hint puts the advice in it.
    public init(sqlState: SQLState? = nil, message: String, detail: String? = nil,
                hint: String? = nil, queryName: String? = nil, noAnswerAfter: Duration? = nil, remedy: Remedy? = nil) {
        self.sqlState = sqlState
        self.message = message
        self.detail = detail ?? remedy?.advice
        self.remedy = remedy
        self.hint = hint
        self.queryName = queryName
        self.noAnswerAfter = noAnswerAfter
    }

    /// The server did not answer within `waited`; the connection was given up.
    static func noAnswer(after waited: Duration, from settings: ConnectionSettings, queryName: String?,
                         connecting: Bool) -> DatabaseError {
        let within = TimeSpan.format(waited, .brief)
        return DatabaseError(
            sqlState: .connectionFailure,
            message: "Postgres at \(settings.displayName()) did not answer within \(within)"
                + (connecting ? " while connecting." : "."),
            detail: "The server may be frozen, or the network between here and it dropping packets; "
                + "Switchyard gave up on that connection and connects again by itself.",
            queryName: queryName, noAnswerAfter: waited)
    }

    public var description: String {
        var lines = [message]
        if let detail, !detail.isEmpty { lines.append(detail) }
        if let hint, !hint.isEmpty { lines.append(hint) }
        return lines.joined(separator: "\n")
    }

    /// True when the connection itself is gone and a new one may succeed.
    public var isConnectionLost: Bool { sqlState?.errorClass == "08" }

    /// True when the server did not answer in time (see `noAnswerAfter`).
    public var isNoAnswer: Bool { noAnswerAfter != nil }
}

/// A five-character SQLSTATE code (PostgreSQL manual, appendix A).
public struct SQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let connectionFailure = SQLState(rawValue: "08006")
    public static let connectionUnable = SQLState(rawValue: "08001")
    public static let readOnlyTransaction = SQLState(rawValue: "25006")
    public static let serializationFailure = SQLState(rawValue: "40001")
    public static let deadlockDetected = SQLState(rawValue: "40P01")
    public static let undefinedTable = SQLState(rawValue: "42P01")
    public static let undefinedColumn = SQLState(rawValue: "42703")
    public static let insufficientPrivilege = SQLState(rawValue: "42501")
    public static let queryCanceled = SQLState(rawValue: "57014")
    public static let lockNotAvailable = SQLState(rawValue: "55P03")
    public static let invalidPassword = SQLState(rawValue: "28P01")
    public static let invalidCatalogName = SQLState(rawValue: "3D000")
    public static let uniqueViolation = SQLState(rawValue: "23505")
    public static let checkViolation = SQLState(rawValue: "23514")
    public static let raiseException = SQLState(rawValue: "P0001")
    public static let invalidParameterValue = SQLState(rawValue: "22023")
    public static let characterNotInRepertoire = SQLState(rawValue: "22021")

    public var errorClass: Substring { rawValue.prefix(2) }
    public var description: String { rawValue }
}
