import CLibPQ
import FoundationEssentials

/// Where and how to connect: `--database-url`, else `DATABASE_URL`, else libpq's own `PG*`
/// variables and `.pgpass` (an empty conninfo), as every Postgres tool does.
public struct ConnectionSettings: Sendable, Equatable {
    /// A `postgresql://` URL or `key=value` pairs; empty means libpq's defaults.
    public var conninfo: String
    /// The session is read-only: every transaction refuses writes (observer mode).
    public var readOnly: Bool
    public var applicationName: String
    /// How long one statement, or connecting, may go unanswered before the connection is
    /// abandoned (see `AnswerDeadline`); nil waits as long as the server takes (migrations).
    public var answerDeadline: Duration?

    public init(conninfo: String = "", readOnly: Bool = false, applicationName: String = "switchyard",
                answerDeadline: Duration? = AnswerDeadline.standard) {
        self.conninfo = conninfo
        self.readOnly = readOnly
        self.applicationName = applicationName
        self.answerDeadline = answerDeadline
    }

    /// The same settings with another answer deadline (nil: none).
    public func answering(within deadline: Duration?) -> ConnectionSettings {
        var settings = self
        settings.answerDeadline = deadline
        return settings
    }

    /// Picks the connection string by the usual precedence and checks that libpq can parse it.
    public static func resolve(databaseURL: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                               readOnly: Bool = false) throws -> ConnectionSettings {
        let conninfo = databaseURL ?? environment["DATABASE_URL"] ?? ""
        let settings = ConnectionSettings(conninfo: conninfo, readOnly: readOnly)
        try settings.validate()
        return settings
    }

    /// Throws a clear error when libpq cannot parse the connection string.
    public func validate() throws {
        guard !conninfo.isEmpty else { return }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &errorMessage) else {
            let reason = errorMessage.map { String(cString: $0) }?.trimmed
            errorMessage.map { PQfreemem($0) }
            throw DatabaseError(
                sqlState: .connectionUnable,
                message: "The database URL is not valid: \(reason ?? "libpq could not parse it").",
                remedy: .writeValidURL)
        }
        PQconninfoFree(options)
    }

    /// The parsed keywords of the connection string, without the password.
    func parsedOptions() -> [String: String] {
        guard !conninfo.isEmpty, let options = PQconninfoParse(conninfo, nil) else { return [:] }
        defer { PQconninfoFree(options) }
        var result: [String: String] = [:]
        var cursor = options
        while let keyword = cursor.pointee.keyword {
            if let value = cursor.pointee.val { result[String(cString: keyword)] = String(cString: value) }
            cursor += 1
        }
        result["password"] = nil
        return result
    }

    /// "user@host:port/dbname" with the defaults libpq would use; never the password.
    public func displayName(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        endpoint(environment: environment).displayName
    }

    /// True when neither a connection string nor a PG* variable that picks the server was given:
    /// libpq then tries its defaults (the local socket, port 5432, the OS user's name).
    public func givesNoServer(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        conninfo.isEmpty && ["PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE"].allSatisfy { environment[$0] == nil }
    }

    /// libpq's default for one keyword (`PQconndefaults`: its environment variables, else its
    /// built-in value, such as the OS user's name for "user").
    static func libpqDefault(_ keyword: String) -> String? {
        guard let defaults = PQconndefaults() else { return nil }
        defer { PQconninfoFree(defaults) }
        var cursor = defaults
        while let name = cursor.pointee.keyword {
            if String(cString: name) == keyword { return cursor.pointee.val.map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } }
            cursor += 1
        }
        return nil
    }

    /// User, host, port and database with the defaults libpq would use; never the password.
    public func endpoint(environment: [String: String] = ProcessInfo.processInfo.environment) -> DatabaseEndpoint {
        let options = parsedOptions()
        let user = options["user"] ?? environment["PGUSER"] ?? environment["USER"] ?? Self.libpqDefault("user") ?? "?"
        let host = (options["host"] ?? environment["PGHOST"]).flatMap { $0.isEmpty ? nil : $0 }
        return DatabaseEndpoint(user: user, host: host,
                                port: options["port"] ?? environment["PGPORT"] ?? "5432",
                                database: options["dbname"] ?? environment["PGDATABASE"] ?? user)
    }
}
