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
    /// For an ENTRY: the first of its trade's later EXITs that already ran (`TradeOrder.exitThatRan`).
    /// The router then sends it nowhere: a position must never open after its exit.
    public var exitThatRan: TaskID?
}
