/// What an operator can do about a failure, in the engine's own terms: the engine knows no
/// command-line flag. An error that suggests one carries it as `remedy` and writes `advice`,
/// the neutral sentence, into its text; a front end that knows which of its flags or keys does
/// it says so instead (the command line: `CommandLineAdvice` in the `switchyard` executable).
public enum Remedy: Sendable, Hashable {
    /// Name the database: its URL, DATABASE_URL, or libpq's PG* variables.
    case giveDatabase
    /// Nothing named a database at all: the same, with the URL's form.
    case giveAnyDatabase
    /// The connection string did not parse: its two accepted forms.
    case writeValidURL
    /// The schema is not migrated: an observer can still watch it (follows "..., ").
    case watchUnmigrated
    /// The server is a standby: connect to the primary (follows "...; ").
    case connectToPrimary
    /// The role lacks a privilege: watch as an observer, or connect as the owner (follows "...; ").
    case watchWithoutPrivilege
    /// The accounts file could not be read.
    case checkAccountsPath
    /// Live routing is not available: route in dry-run mode.
    case routeDryRun
    /// The database's schema is newer than this build: take it down with the newer build.
    case migrateDown(toVersion: Int)
    /// The schema lacks a migration this needs: migrate it up.
    case migrate

    /// The remedy in words that name no flag, as the engine's errors write it.
    public var advice: String {
        switch self {
        case .giveDatabase:
            "Give the database's URL, or set DATABASE_URL or the PG* variables."
        case .giveAnyDatabase:
            "Give one: a URL such as postgresql://USER@HOST:PORT/DBNAME, DATABASE_URL, or PGHOST, PGPORT, PGDATABASE and PGUSER."
        case .writeValidURL:
            "Use postgresql://USER:PASSWORD@HOST:PORT/DBNAME or key=value pairs (host=... dbname=...), "
                + "as the database's URL or in DATABASE_URL."
        case .watchUnmigrated:
            "or watch it read-only as an observer, which works on a database Switchyard has not migrated."
        case .connectToPrimary:
            "connect to the primary instead."
        case .watchWithoutPrivilege:
            "watch read-only as an observer, or connect as the queue's owner."
        case .checkAccountsPath:
            "Check the path of the accounts file."
        case .routeDryRun:
            "Route in dry-run mode instead (simulated orders, nothing sent)."
        case .migrateDown(let version):
            "Use a newer switchyard, or migrate the schema down to version \(version) with the newer build."
        case .migrate:
            "Migrate the schema up to this build's version."
        }
    }
}

/// An error that may carry a `Remedy`; its text then holds the remedy's `advice`.
public protocol RemedyCarrying: Error, CustomStringConvertible {
    var remedy: Remedy? { get }
}
