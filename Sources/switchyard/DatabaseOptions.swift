import ArgumentParser
import SwitchyardEngine

/// Connection flags shared by every subcommand.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"),
            help: ArgumentHelp("PostgreSQL URL (postgresql://user:pass@host:port/db).",
                               discussion: "Defaults to DATABASE_URL, then libpq's PG* variables and ~/.pgpass.",
                               valueName: "url"))
    var databaseURL: String?

    /// `answerDeadline`: how long a statement may go unanswered (nil: no limit, for migrations).
    func settings(readOnly: Bool = false, answerDeadline: Duration? = AnswerDeadline.standard) throws
        -> ConnectionSettings
    {
        // A DatabaseError (a URL libpq cannot parse) is a runtime failure: one message, exit 1.
        try ConnectionSettings.resolve(databaseURL: databaseURL, readOnly: readOnly)
            .answering(within: answerDeadline)
    }

    /// A connection for a one-shot command; the error says what to do.
    func connect(readOnly: Bool = false, answerDeadline: Duration? = AnswerDeadline.standard) throws -> PGConnection {
        try PGConnection(settings: settings(readOnly: readOnly, answerDeadline: answerDeadline))
    }
}
