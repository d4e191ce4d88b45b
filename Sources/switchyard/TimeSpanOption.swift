import SwitchyardEngine

extension TimeSpan {
    /// Reads a duration option: `@Option(transform: TimeSpan.argument)`. The parser's own
    /// message ("... write a number and a unit, ms, s, m, h or d ...") becomes the usage error,
    /// where `ExpressibleByArgument`'s `init?(argument:)` could only say the value is invalid.
    @Sendable static func argument(_ text: String) throws -> TimeSpan { try TimeSpan(parsing: text) }
}
