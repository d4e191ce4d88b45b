import FoundationEssentials

/// The primary key of `execution_tasks`.
public struct TaskID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible,
    PostgresParameter, PostgresDecodable
{
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public init(_ rawValue: Int) { self.rawValue = rawValue }
    public init?(postgresText text: String) {
        guard let value = Int(text) else { return nil }
        rawValue = value
    }
    public var postgresText: String? { String(rawValue) }
    public var description: String { "#\(rawValue)" }
    /// An id as people write it: "279", or "#279" the way `description` (and the dashboard) shows
    /// it. nil for anything else, a number below 1 included (ids start at 1).
    public init?(text: String) {
        let digits = text.hasPrefix("#") ? text.dropFirst() : text[...]
        guard digits.first?.isASCII == true, digits.first?.isNumber == true, let value = Int(digits), value >= 1 else { return nil }
        rawValue = value
    }
    public static func < (lhs: TaskID, rhs: TaskID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A task's place in its lifecycle (docs/router.md, "Task lifecycle"). The seed system's
/// statuses (PENDING, SUCCESS, FAILED) keep their meaning; unknown values are kept verbatim.
public enum TaskStatus: Hashable, Sendable, CustomStringConvertible, PostgresParameter, PostgresDecodable {
    case pending, running, retrying, success, failed, dead, held
    case other(String)

    public static let known: [TaskStatus] = [.pending, .running, .retrying, .held, .success, .failed, .dead]
    /// Statuses of work not yet finished: an EXIT waits while its trade's ENTRY is in one of these.
    public static let unfinished: [TaskStatus] = [.pending, .running, .retrying, .held]
    /// Statuses of finished work, the only tasks `switchyard archive` moves (migration 15's freeze
    /// trigger names the same three). An unknown status counts as neither.
    public static let finished: [TaskStatus] = [.success, .failed, .dead]
    /// Statuses of tasks waiting for a router: claimable once their `available_at` has come. The
    /// claimable index's condition (migration 2) is exactly this list.
    public static let waiting: [TaskStatus] = [.pending, .retrying]

    public init(rawValue: String) {
        switch rawValue {
        case "PENDING": self = .pending
        case "RUNNING": self = .running
        case "RETRYING": self = .retrying
        case "SUCCESS": self = .success
        case "FAILED": self = .failed
        case "DEAD": self = .dead
        case "HELD": self = .held
        default: self = .other(rawValue)
        }
    }
    public init?(postgresText text: String) { self.init(rawValue: text) }

    public var rawValue: String {
        switch self {
        case .pending: "PENDING"
        case .running: "RUNNING"
        case .retrying: "RETRYING"
        case .success: "SUCCESS"
        case .failed: "FAILED"
        case .dead: "DEAD"
        case .held: "HELD"
        case .other(let value): value
        }
    }
    public var postgresText: String? { rawValue }
    public var description: String { rawValue }
}

/// An execution intent's kind. The seed system writes ENTRY and EXIT; others are kept verbatim.
public enum EventType: Hashable, Sendable, CustomStringConvertible, PostgresParameter, PostgresDecodable {
    case entry, exit
    case other(String)

    public init(rawValue: String) {
        switch rawValue {
        case "ENTRY": self = .entry
        case "EXIT": self = .exit
        default: self = .other(rawValue)
        }
    }
    public init?(postgresText text: String) { self.init(rawValue: text) }
    public var rawValue: String {
        switch self {
        case .entry: "ENTRY"
        case .exit: "EXIT"
        case .other(let value): value
        }
    }
    public var postgresText: String? { rawValue }
    public var description: String { rawValue }
}

/// The kind of an audit row in `execution_logs`.
public enum LogEvent: String, Hashable, Sendable, CaseIterable {
    /// One account's result for one attempt (status SUCCESS, FAILED or SKIPPED).
    case attempt = "ATTEMPT"
    /// A task whose lease expired (its router died) was taken back.
    case recovered = "RECOVERED"
    case retryRequested = "RETRY_REQUESTED"
    case deadLettered = "DEAD_LETTERED"
    case held = "HELD"
    case resumed = "RESUMED"
}

extension TaskStatus {
    /// `statuses` as SQL literals, `'PENDING', 'RETRYING'`, each one's own quotes doubled: for a
    /// condition a partial index must match (the planner's proof needs the constants; a
    /// parameter would not do).
    public static func sqlLiterals(_ statuses: [TaskStatus]) -> String {
        statuses.map { "'" + $0.rawValue.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'" }
            .joined(separator: ", ")
    }
}

extension Query.StringInterpolation {
    /// Splices `statuses` as SQL literals (`TaskStatus.sqlLiterals`).
    public mutating func appendInterpolation(statuses: [TaskStatus]) {
        appendInterpolation(unescaped: TaskStatus.sqlLiterals(statuses))
    }
}
