import ArgumentParser
import Logging

/// How log lines on stderr look.
enum LogFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// A UTC timestamp, then the message: for people.
    case plain
    /// One JSON object per line (ts, level, msg and metadata such as router_id): for log collectors.
    case json
}

/// `--log-format`, shared by the commands that log to stderr while they run.
struct LoggingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Log lines on stderr: plain text, or one JSON object per line for log collectors.",
                               valueName: "format"))
    var logFormat = LogFormat.plain

    /// Sends every logger in the process to stderr in the chosen format. Call once per process.
    func bootstrap() {
        let format = logFormat
        LoggingSystem.bootstrap { _ in StandardErrorLogHandler(format: format) }
    }
}
