import ArgumentParser

/// The exit statuses of every command, defined once (docs/operations.md, "Exit statuses").
///
/// - 0: done.
/// - 1, `failure`: the command was understood but could not be done (no database, a refused
///   action, a bad accounts file); it printed one message saying what happened and what to do.
/// - 2, `tripped`: `stats --fail-if-*` found a condition it was asked to check for.
/// - 64, `usage`: the command line itself is wrong; the message comes with the usage.
/// - 128 + N: the dashboard stopped on signal N.
enum ExitStatus {
    static let failure = ExitCode.failure
    static let tripped = ExitCode(2)
    /// What argument-parser exits with for a parse error or a `ValidationError` (EX_USAGE).
    static let usage = ExitCode.validationFailure
    static func signal(_ number: Int32) -> ExitCode { ExitCode(128 + number) }
}

/// A runtime failure: printed as one message ("Error: ..." with its advice), never with the
/// usage, and the command exits with `ExitStatus.failure`. A `ValidationError` is only for a
/// command line that is wrong in itself.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
