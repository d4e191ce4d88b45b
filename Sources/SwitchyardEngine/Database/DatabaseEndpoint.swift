/// Where a connection goes, as libpq resolves it from the connection string and the PG*
/// variables; never the password. Messages name it whole (`displayName`); a narrow header
/// shows the longest of `names` that fits.
public struct DatabaseEndpoint: Sendable, Equatable {
    public var user: String
    /// A host name or address, or a unix socket's directory ("/run/postgresql"); nil is libpq's
    /// default socket.
    public var host: String?
    public var port: String
    public var database: String

    public init(user: String, host: String?, port: String, database: String) {
        (self.user, self.host, self.port, self.database) = (user, host, port, database)
    }

    /// True for a unix socket (a directory, an abstract socket, or libpq's default).
    public var isSocket: Bool { host.map { $0.hasPrefix("/") || $0.hasPrefix("@") } ?? true }

    /// "ops@db.internal:5432/switchyard", "ops@/run/postgresql port 5432/switchyard".
    public var displayName: String {
        let place = isSocket ? "\(host ?? "local socket") port \(port)" : "\(host ?? ""):\(port)"
        return "\(user)@\(place)/\(database)"
    }

    /// The names from longest to shortest, each beginning with the database: everything, then
    /// the database and the host (for a socket, its directory), then over TCP the database and
    /// the host cut at its end, for a socket the database alone.
    public var names: [String] {
        guard let host else { return [displayName, database] }
        return [displayName, "\(database) on \(host)"] + (isSocket ? [database] : [])
    }
}
