import FoundationEssentials

/// The JSON a webhook receives in its POST body and a command on standard input
/// (docs/operations.md, "Alerts"). `text` is one line that chat tools such as Slack show as is.
public struct AlertMessage: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case firing, resolved, test }

    public var rule: String
    public var severity: String
    public var state: State
    /// `failed-over`, `lag-over`, ...
    public var condition: String
    public var value: Double
    public var threshold: Double
    public var windowMinutes: Int?
    /// For account rules: the account that refused the orders.
    public var account: String?
    /// "user@host:port/dbname", never the password.
    public var database: String
    /// When the episode began (the database's clock, ISO 8601).
    public var startedAt: String?
    /// A still-firing episode sent again after the cooldown.
    public var reminder: Bool?
    public var text: String

    enum CodingKeys: String, CodingKey {
        case rule, severity, state, condition, value, threshold, account, database, reminder, text
        case windowMinutes = "window_minutes", startedAt = "started_at"
    }

    init(rule: StoredRule, state: State, value: Double, account: String?, database: String, startedAt: Date?,
         reminder: Bool = false) {
        self.rule = rule.name
        severity = rule.severity.rawValue
        self.state = state
        condition = rule.condition.kind.flagName
        self.value = value
        threshold = rule.condition.threshold
        windowMinutes = rule.condition.windowMinutes
        self.account = account
        self.database = database
        self.startedAt = startedAt.map { $0.formatted(.iso8601) }
        self.reminder = reminder ? true : nil
        let what = rule.condition.describe(value: value) + (account.map { " by account \($0)" } ?? "")
        let head = "[\(rule.severity.rawValue.uppercased())] \(rule.name)"
        switch state {
        case .firing:
            text = "\(head) \(reminder ? "still firing" : "firing"): \(what) (threshold \(rule.condition.summary)) on \(database)"
        case .resolved:
            text = "\(head) resolved: \(what) (threshold \(rule.condition.summary)) on \(database)"
        case .test:
            text = "\(head) test message from switchyard on \(database): delivery works"
        }
    }

    /// The JSON bytes, keys sorted so messages compare and diff well.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a struct of strings and numbers cannot fail.
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }

    var json: String { String(decoding: encoded(), as: UTF8.self) }
}
