import FoundationEssentials

/// One trading account as the accounts panel shows it: configured in this process's accounts
/// file, or only seen in the data (attempts in the last hour, open positions).
public struct AccountFigures: Equatable, Sendable, Identifiable {
    /// Accepted and refused orders in one minute.
    public struct Minute: Equatable, Sendable {
        public var start: Date
        public var accepted: Int
        public var refused: Int
        public init(start: Date, accepted: Int, refused: Int) {
            (self.start, self.accepted, self.refused) = (start, accepted, refused)
        }
    }

    /// The newest order the account refused.
    public struct Refusal: Equatable, Sendable {
        public var taskID: TaskID
        public var message: String?
        public var at: Date
        public init(taskID: TaskID, message: String?, at: Date) {
            (self.taskID, self.message, self.at) = (taskID, message, at)
        }
    }

    public var name: String
    /// True, false from the accounts file; nil when the account is not in it (seen in the data only).
    public var enabled: Bool?
    /// Exactly 60 buckets, the same minutes as `ProcessingRates`, oldest first.
    public var minutes: [Minute]
    /// Mean time an order took, over the hour's accepted and refused orders; nil when none.
    public var averageLatencyMilliseconds: Double?
    public var lastRefusal: Refusal?
    /// ENTRY accepted and no EXIT of that trade accepted yet, by this account.
    public var openPositions: Int
    /// A live account's figures from the order ledger; nil for a dry-run account, or a database
    /// without the ledger (before migration 17).
    public var live: Live?

    /// What the order ledger (migration 17) counts for a live account, from the broker's fills.
    public struct Live: Equatable, Sendable {
        /// Contracts open at the broker: ENTRY fills not yet closed by their EXITs' fills, plus
        /// ENTRYs sent and not yet final (what `max_position` counts).
        public var openContracts: Int
        /// Orders sent on the account's trading day.
        public var ordersToday: Int
        /// Realised P&L of the trades closed on the trading day, in the account's currency (what
        /// `daily_loss_limit` counts, as a loss); nil when the account's point value is unknown
        /// (not in this process's accounts file).
        public var realisedToday: Double?
        /// The trading day, `YYYY-MM-DD` in `timeZone`.
        public var tradingDay: String
        public var timeZone: String
        public init(openContracts: Int, ordersToday: Int, realisedToday: Double?, tradingDay: String, timeZone: String) {
            (self.openContracts, self.ordersToday, self.realisedToday) = (openContracts, ordersToday, realisedToday)
            (self.tradingDay, self.timeZone) = (tradingDay, timeZone)
        }
    }

    public var id: String { name }
    public var isConfigured: Bool { enabled != nil }
    public var acceptedLastHour: Int { minutes.reduce(0) { $0 + $1.accepted } }
    public var refusedLastHour: Int { minutes.reduce(0) { $0 + $1.refused } }

    public init(name: String, enabled: Bool?, minutes: [Minute], averageLatencyMilliseconds: Double?,
                lastRefusal: Refusal?, openPositions: Int, live: Live? = nil) {
        (self.name, self.enabled, self.minutes, self.live) = (name, enabled, minutes, live)
        (self.averageLatencyMilliseconds, self.lastRefusal, self.openPositions) =
            (averageLatencyMilliseconds, lastRefusal, openPositions)
    }
}

/// A position an account holds: it accepted the trade's ENTRY, and no EXIT of the trade yet.
public struct OpenPosition: Equatable, Sendable {
    public var account: String
    public var tradeID: String
    public var entryTaskID: TaskID
    /// LONG or SHORT, from the ENTRY's payload; nil when it had none.
    public var direction: String?
    /// nil when the audit row did not record it (rows written before migration 11).
    public var contracts: Int?
    public var openedAt: Date
    public init(account: String, tradeID: String, entryTaskID: TaskID, direction: String?, contracts: Int?, openedAt: Date) {
        (self.account, self.tradeID, self.entryTaskID) = (account, tradeID, entryTaskID)
        (self.direction, self.contracts, self.openedAt) = (direction, contracts, openedAt)
    }
}

/// What opening one account shows: its open positions, oldest first, and its newest attempts.
public struct AccountDetail: Equatable, Sendable {
    public var name: String
    public var positions: [OpenPosition]
    /// Newest first.
    public var recentAttempts: [LogEntry]
    public init(name: String, positions: [OpenPosition], recentAttempts: [LogEntry]) {
        (self.name, self.positions, self.recentAttempts) = (name, positions, recentAttempts)
    }
}
