/// Which tasks a list shows or a bulk action touches. Empty parts match everything.
public struct TaskFilter: Equatable, Sendable {
    public var statuses: [TaskStatus]
    public var eventType: EventType?
    /// Case-insensitive substring of `trade_id`.
    public var tradeIDContains: String?

    public init(statuses: [TaskStatus] = [], eventType: EventType? = nil, tradeIDContains: String? = nil) {
        self.statuses = statuses
        self.eventType = eventType
        self.tradeIDContains = tradeIDContains
    }

    /// "FAILED ENTRY tasks matching 'ES-'", for previews and confirmations.
    public var summary: String {
        var words: [String] = []
        if !statuses.isEmpty { words.append(statuses.map(\.rawValue).joined(separator: "/")) }
        if let eventType { words.append(eventType.rawValue) }
        words.append("tasks")
        if let text = tradeIDContains, !text.isEmpty { words.append("matching '\(text)'") }
        return words.joined(separator: " ")
    }
}
