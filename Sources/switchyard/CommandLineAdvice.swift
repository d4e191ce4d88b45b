import SwitchyardEngine

/// The engine's remedies in the command line's words: each names the flag or command that does
/// it. The engine's errors say them without flags (`Remedy.advice`); every error the command
/// line prints goes through `describe`.
enum CommandLineAdvice {
    /// What a router that skips live accounts adds to the engine's `liveSkipNotice`.
    static let routeLiveAccounts = "start it with --live to send real orders"

    static func text(for remedy: Remedy) -> String {
        switch remedy {
        case .giveDatabase:
            "Pass --database-url, or set DATABASE_URL or the PG* variables."
        case .giveAnyDatabase:
            "Give one: --database-url postgresql://USER@HOST:PORT/DBNAME, DATABASE_URL, or PGHOST, PGPORT, PGDATABASE and PGUSER."
        case .writeValidURL:
            "Use postgresql://USER:PASSWORD@HOST:PORT/DBNAME or key=value pairs (host=... dbname=...), "
                + "in --database-url or DATABASE_URL."
        case .watchUnmigrated:
            "or use --read-only to watch a database Switchyard has not migrated."
        case .connectToPrimary:
            "point --database-url at the primary."
        case .watchWithoutPrivilege:
            "use --read-only to watch, or connect as the queue's owner."
        case .checkAccountsPath:
            "Check the path given to --accounts."
        case .routeDryRun:
            "Run without --live to route in dry-run mode (simulated orders, nothing sent)."
        case .migrateDown(let version):
            "Use a newer switchyard, or `switchyard migrate down --to \(version)` with the newer build."
        case .migrate:
            "Run `switchyard migrate up` first."
        }
    }

    /// `error`'s whole text, its remedy (if it carries one) said as the command line says it.
    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        guard let remedy = (error as? any RemedyCarrying)?.remedy else { return text }
        return text.replacing(remedy.advice, with: Self.text(for: remedy))
    }
}

/// Runs `body`; an error it throws that `isReported` picks (the failures a command expects:
/// the database's, its own part's) is printed as one message with its advice, the engine's
/// remedy in the command line's words, and the command exits 1. Other errors pass through.
func reportingFailures(_ isReported: (any Error) -> Bool, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch where isReported(error) {
        writeToStandardError(CommandLineAdvice.describe(error) + "\n")
        throw ExitStatus.failure
    }
}
