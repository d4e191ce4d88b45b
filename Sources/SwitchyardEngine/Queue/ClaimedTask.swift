import FoundationEssentials

/// A task a router holds under lease, as the claim returned it.
public struct ClaimedTask: Sendable, Equatable {
    public var id: TaskID
    public var tradeID: String
    public var eventType: EventType
    public var payload: String?
    /// Attempts including this one.
    public var attempts: Int
    public var maxAttempts: Int
    /// Accounts that already accepted this task in an earlier attempt: never sent again.
    public var acceptedAccounts: Set<String>
    /// For an EXIT: accounts that accepted the trade's earlier ENTRY (the positions to close).
    public var entryAcceptedAccounts: Set<String>
}
