/// Turns libpq's connection messages and common server errors into messages that say what to do.
///
/// A failed connection has no SQLSTATE (there is no result to read it from), so this is the one
/// place that reads libpq's message text; everything else branches on `SQLState`.
enum ConnectionFailure {
    static func describe(_ libpqMessage: String, settings: ConnectionSettings) -> DatabaseError {
        let reason = libpqMessage.trimmed
        let target = settings.displayName()
        let whereToSet = Remedy.giveDatabase.advice
        func error(_ state: SQLState, _ message: String, _ advice: String, remedy: Remedy = .giveDatabase) -> DatabaseError {
            DatabaseError(sqlState: state, message: message, detail: advice + "\nlibpq said: " + oneLine(reason), remedy: remedy)
        }
        let lower = reason.lowercased()
        if lower.contains("password authentication failed") || lower.contains("no password supplied") {
            return error(.invalidPassword, "Postgres at \(target) refused the password.",
                         "Check the password in the URL, PGPASSWORD or ~/.pgpass. " + whereToSet)
        }
        if let name = quoted(after: "database ", in: reason), lower.contains("does not exist") {
            return error(.invalidCatalogName, "The database \(name) does not exist on \(target).",
                         "Create it (createdb \(name)) or point the URL at an existing database. " + whereToSet)
        }
        if let name = quoted(after: "role ", in: reason), lower.contains("does not exist") {
            return error(.invalidPassword, "The role \(name) does not exist on \(target).",
                         "Connect as an existing user (USER@ in the URL, or PGUSER). " + whereToSet)
        }
        if lower.contains("connection refused") || lower.contains("no such file or directory") {
            if settings.givesNoServer() {
                return error(.connectionUnable, "No database was given, and nothing answers at libpq's default, \(target).",
                             Remedy.giveAnyDatabase.advice, remedy: .giveAnyDatabase)
            }
            return error(.connectionUnable, "Could not connect to Postgres at \(target) (connection refused).",
                         "Is the server running? " + whereToSet)
        }
        if lower.contains("could not translate host name") {
            return error(.connectionUnable, "Could not find the database host in \(target).",
                         "Check the host name in the URL or PGHOST. " + whereToSet)
        }
        if lower.contains("timeout expired") {
            return error(.connectionUnable, "Timed out connecting to Postgres at \(target).",
                         "Check the host, the port and any firewall between here and the server. " + whereToSet)
        }
        return error(.connectionUnable, "Could not connect to Postgres at \(target).", whereToSet)
    }

    /// Adds what to do to server errors an operator can fix.
    static func explain(_ error: inout DatabaseError, settings: ConnectionSettings) {
        switch error.sqlState {
        case .undefinedTable?:
            let server = error.message
            error.message = "A table Switchyard needs is missing (\(server))."
            error.hint = "Run `switchyard migrate up` against \(settings.displayName()), " + Remedy.watchUnmigrated.advice
            error.remedy = .watchUnmigrated
        case .readOnlyTransaction? where settings.readOnly:
            error.hint = "This session is read-only (observer mode); changes are disabled."
        case .readOnlyTransaction?:
            error.hint = "The server is read-only (a hot standby?); " + Remedy.connectToPrimary.advice
            error.remedy = .connectToPrimary
        case .insufficientPrivilege?:
            error.hint = "The database role lacks a privilege; " + Remedy.watchWithoutPrivilege.advice
            error.remedy = .watchWithoutPrivilege
        default:
            break
        }
    }

    private static func quoted(after prefix: String, in text: String) -> String? {
        guard let start = text.firstRange(of: prefix + "\"") else { return nil }
        let rest = text[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmed }.joined(separator: " ")
    }
}
