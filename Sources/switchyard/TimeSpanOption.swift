import ArgumentParser
import SwitchyardEngine

extension TimeSpan {
    /// Reads a duration option: `@Option(transform: TimeSpan.argument)`. The parser's own
    /// message ("... write a number and a unit, ms, s, m, h or d ...") becomes the usage error,
    /// where `ExpressibleByArgument`'s `init?(argument:)` could only say the value is invalid.
    @Sendable static func argument(_ text: String) throws -> TimeSpan { try TimeSpan(parsing: text) }
}

extension TimeSpan {
    /// Reads a span counted in whole minutes (`alerts add --window`: the per-minute tables):
    /// `10m`, `1h`, `1h30m`, and a number alone, which is minutes here as it always was.
    @Sendable static func wholeMinutes(_ text: String) throws -> Int {
        if let minutes = Int(text), minutes >= 0 { return minutes }
        let milliseconds = try TimeSpan(parsing: text).duration.milliseconds
        guard milliseconds % 60_000 == 0 else {
            let below = milliseconds / 60_000
            throw ValidationError("\(text) is not a whole number of minutes: alerts count attempts per minute. "
                + "Give " + (below == 0 ? "1m" : "\(below)m or \(below + 1)m") + ".")
        }
        return milliseconds / 60_000
    }
}
