/// A schedule or a time that cannot be used: a bad cron expression, duration, time zone or
/// name, a time in the past, a schedule that does not exist. The message says what is wrong
/// and what would be right; the command line adds which flag to change.
public struct ScheduleError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
