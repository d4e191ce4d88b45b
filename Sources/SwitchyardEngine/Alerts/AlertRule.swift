import FoundationEssentials

/// What an alert rule watches. The threshold's unit depends on the kind: tasks, seconds,
/// percent, or refused orders.
public enum AlertCondition: Sendable, Equatable {
    /// More than N tasks FAILED.
    case failedOver(Int)
    /// More than N tasks DEAD.
    case deadOver(Int)
    /// The oldest eligible task has waited longer than this many seconds.
    case lagOver(seconds: Double)
    /// No live router (`RouterLiveness`) for longer than this many seconds.
    case noRouterFor(seconds: Double)
    /// More than this percent of the attempts finished in the last `windowMinutes` failed.
    case failureRateOver(percent: Double, windowMinutes: Int)
    /// One account refused more than N orders in the last `windowMinutes`.
    case accountRefusalsOver(Int, windowMinutes: Int)

    /// The longest window, in minutes: routers keep per-minute counts at least this long
    /// (`DerivedTablePruner.Config.minimumMinutes`).
    public static let maximumWindowMinutes = 1440

    public enum Kind: String, Sendable, CaseIterable {
        case failedOver = "failed_over", deadOver = "dead_over", lagOver = "lag_over"
        case noRouterFor = "no_router_for", failureRateOver = "failure_rate_over"
        case accountRefusalsOver = "account_refusals_over"

        /// The name operators type: `failed-over`.
        public var flagName: String { rawValue.replacing("_", with: "-") }

        /// The kind a rule row stores, by its name now or by the one it had before (rules stored
        /// as `account_rejections_over` before migration 19 are kept so: docs/operations.md, "Alerts").
        public init?(storedName: String) {
            self.init(rawValue: storedName == Self.formerAccountRefusalsName ? Self.accountRefusalsOver.rawValue : storedName)
        }

        /// The name `accountRefusalsOver` had until migration 19; still read, no longer written.
        static let formerAccountRefusalsName = "account_rejections_over"
    }

    public var kind: Kind {
        switch self {
        case .failedOver: .failedOver
        case .deadOver: .deadOver
        case .lagOver: .lagOver
        case .noRouterFor: .noRouterFor
        case .failureRateOver: .failureRateOver
        case .accountRefusalsOver: .accountRefusalsOver
        }
    }

    public var threshold: Double {
        switch self {
        case .failedOver(let n), .deadOver(let n), .accountRefusalsOver(let n, _): Double(n)
        case .lagOver(let seconds), .noRouterFor(let seconds): seconds
        case .failureRateOver(let percent, _): percent
        }
    }

    public var windowMinutes: Int? {
        switch self {
        case .failureRateOver(_, let window), .accountRefusalsOver(_, let window): window
        default: nil
        }
    }

    /// Rebuilds a condition from its stored columns; nil for a kind this build does not know.
    public init?(kind: String, threshold: Double, windowMinutes: Int?) {
        switch Kind(storedName: kind) {
        case .failedOver: self = .failedOver(Int(threshold))
        case .deadOver: self = .deadOver(Int(threshold))
        case .lagOver: self = .lagOver(seconds: threshold)
        case .noRouterFor: self = .noRouterFor(seconds: threshold)
        case .failureRateOver: self = .failureRateOver(percent: threshold, windowMinutes: windowMinutes ?? 1)
        case .accountRefusalsOver: self = .accountRefusalsOver(Int(threshold), windowMinutes: windowMinutes ?? 1)
        case nil: return nil
        }
    }

    /// Says what is wrong with the numbers, if anything.
    public func validate() throws {
        guard threshold >= 0, threshold.isFinite else {
            throw ConfigurationError("The threshold must be 0 or more.")
        }
        if case .failureRateOver(let percent, _) = self, percent >= 100 {
            throw ConfigurationError("A failure rate over \(Self.number(percent))% can never hold: use a percentage below 100.")
        }
        if let windowMinutes, !(1...Self.maximumWindowMinutes).contains(windowMinutes) {
            throw ConfigurationError("The window must be 1 to \(Self.maximumWindowMinutes) minutes (one day).")
        }
    }

    /// "3 tasks FAILED", "the oldest eligible task has waited 1m35s", "12.5% of attempts failed in 5 min".
    public func describe(value: Double) -> String {
        switch self {
        case .failedOver: "\(Int(value)) tasks FAILED"
        case .deadOver: "\(Int(value)) tasks DEAD"
        case .lagOver: "the oldest eligible task has waited \(TimeSpan.format(seconds: value))"
        case .noRouterFor: "no live router for \(TimeSpan.format(seconds: value))"
        case .failureRateOver(_, let window): "\(Self.number(value))% of attempts failed in \(window) min"
        case .accountRefusalsOver(_, let window): "\(Int(value)) orders refused in \(window) min"
        }
    }

    /// "failed-over 0", "lag-over 2m", "failure-rate-over 5% in 10 min".
    public var summary: String {
        switch self {
        case .failedOver(let n), .deadOver(let n): "\(kind.flagName) \(n)"
        case .lagOver(let seconds), .noRouterFor(let seconds): "\(kind.flagName) \(TimeSpan.format(seconds: seconds, .exact))"
        case .failureRateOver(let percent, let window): "\(kind.flagName) \(Self.number(percent))% in \(window) min"
        case .accountRefusalsOver(let n, let window): "\(kind.flagName) \(n) in \(window) min"
        }
    }

    /// Whole numbers without ".0"; others with one decimal.
    public static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}

public enum AlertSeverity: String, Sendable, CaseIterable {
    /// Held during quiet hours.
    case warning
    /// Delivered at any hour.
    case critical
}

/// Where a rule's messages go.
public enum AlertTarget: Sendable, Equatable {
    /// An HTTP(S) URL that receives the JSON in a POST.
    case webhook(URL)
    /// A program, run with `/bin/sh -c`, that receives the JSON on standard input.
    case command(String)

    /// A webhook target from text, or an error saying what is wrong with it. The message never
    /// repeats the URL: it may hold a secret.
    public static func webhook(parsing text: String) throws -> AlertTarget {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else {
            throw ConfigurationError("The webhook URL is not a URL. Give the whole address, such as https://chat.example/hooks/…")
        }
        guard scheme == "http" || scheme == "https" else {
            throw ConfigurationError("The webhook URL must start with http:// or https:// (it starts with \(scheme)://).")
        }
        guard let host = url.host, !host.isEmpty else {
            throw ConfigurationError("The webhook URL has no host name.")
        }
        return .webhook(url)
    }

    /// What may be shown or printed: the scheme and host of a webhook, never its user, path or
    /// query (chat tools put their secret tokens there); a command's program without its arguments.
    public var redacted: String {
        switch self {
        case .webhook(let url): Self.redact(url)
        case .command(let command):
            command.split(separator: " ", maxSplits: 1).count > 1
                ? "command " + String(command.split(separator: " ").first ?? "") + " …"
                : "command " + command
        }
    }

    static func redact(_ url: URL) -> String {
        let scheme = url.scheme?.lowercased() ?? "?"
        let port = url.port.map { ":\($0)" } ?? ""
        let hidden = url.path.count > 1 || url.query != nil || url.user != nil
        return "\(scheme)://\(url.host ?? "?")\(port)/\(hidden ? "…" : "")"
    }
}

/// A daily span in a time zone during which warnings are held, such as 22:00-07:00 (it may wrap
/// past midnight). The time zone is checked by the database, whose clock decides.
public struct QuietHours: Sendable, Equatable {
    /// Minutes after midnight.
    public var start: Int
    public var end: Int
    public var timeZone: String

    public init(start: Int, end: Int, timeZone: String) {
        (self.start, self.end, self.timeZone) = (start, end, timeZone)
    }

    /// Parses "HH:MM-HH:MM".
    public init(parsing span: String, timeZone: String) throws {
        let parts = span.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Self.minutes(parts[0]), let end = Self.minutes(parts[1]) else {
            throw ConfigurationError("Quiet hours \"\(span)\" are not HH:MM-HH:MM (24-hour clock), such as 22:00-07:00.")
        }
        guard start != end else {
            throw ConfigurationError("Quiet hours must not start and end at the same time.")
        }
        self.init(start: start, end: end, timeZone: timeZone)
    }

    /// "22:00-07:00 Europe/London".
    public var summary: String { "\(Self.clock(start))-\(Self.clock(end)) \(timeZone)" }

    static func minutes(_ text: Substring) -> Int? {
        let fields = text.split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count == 2, fields[0].count <= 2, fields[1].count == 2,
              let hours = Int(fields[0]), let minutes = Int(fields[1]),
              (0...23).contains(hours), (0...59).contains(minutes) else { return nil }
        return hours * 60 + minutes
    }

    static func clock(_ minutes: Int) -> String {
        ClockZone.hoursAndMinutes(minutes)
    }
}

/// A rule as `alerts add` gives it.
public struct AlertRuleDefinition: Sendable, Equatable {
    public var name: String
    public var condition: AlertCondition
    public var severity: AlertSeverity
    public var target: AlertTarget
    /// After a firing message, a new episode of the rule (for the same account) within this long
    /// is held until it ends: a flapping condition sends one message, not one per flap.
    public var cooldown: Duration
    public var quietHours: QuietHours?

    public static let defaultCooldown: Duration = .seconds(300)

    public init(name: String, condition: AlertCondition, severity: AlertSeverity = .warning, target: AlertTarget,
                cooldown: Duration = defaultCooldown, quietHours: QuietHours? = nil) {
        (self.name, self.condition, self.severity, self.target) = (name, condition, severity, target)
        (self.cooldown, self.quietHours) = (cooldown, quietHours)
    }

    /// Says what is wrong, if anything (the time zone is checked by the database when stored).
    public func validate() throws {
        guard !name.isEmpty, name.count <= 100, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw ConfigurationError("A rule name is 1 to 100 letters, digits, '-', '_' or '.' (such as failed-orders).")
        }
        try condition.validate()
        guard cooldown >= .zero else { throw ConfigurationError("The cooldown must not be negative.") }
        if case .command(let command) = target, command.trimmed.isEmpty {
            throw ConfigurationError("The command is empty.")
        }
    }
}
