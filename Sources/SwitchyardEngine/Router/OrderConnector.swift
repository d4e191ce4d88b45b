import FoundationEssentials

/// One order for one account.
public struct Order: Sendable, Equatable {
    public enum Side: String, Sendable { case buy = "BUY", sell = "SELL", close = "CLOSE" }
    public enum Kind: String, Sendable { case market, limit }
    public var taskID: TaskID
    public var tradeID: String
    public var account: String
    /// ENTRY or EXIT: the task's event.
    public var event: EventType
    public var side: Side
    /// Contracts to open; nil for an EXIT (close whatever the ENTRY opened).
    public var contracts: Int?
    public var price: Double
    /// The instrument (a live account's `symbol`); nil in dry-run.
    public var symbol: String?
    /// Market or limit (at `price`); a live connector decides per event (docs/router.md).
    public var kind: Kind
    /// The database's own id (`DatabaseIdentity`), minted once per database: with the task id and
    /// the account it makes a key no other deployment or rebuilt database ever sends.
    public var databaseID: String
    /// Attempt number, 1 for the first.
    public var attempt: Int

    public init(taskID: TaskID, tradeID: String, account: String, event: EventType, side: Side, contracts: Int?,
                price: Double, symbol: String? = nil, kind: Kind = .market, databaseID: String = "", attempt: Int) {
        (self.taskID, self.tradeID, self.account, self.event, self.side) = (taskID, tradeID, account, event, side)
        (self.contracts, self.price, self.symbol, self.kind) = (contracts, price, symbol, kind)
        (self.databaseID, self.attempt) = (databaseID, attempt)
    }

    /// `<database id>:<task id>:<account>`: the same on every retry of this order, whatever router,
    /// process or primary sends it, so a broker that sees it twice keeps one order
    /// (the `Idempotency-Key` header and the body's `client_order_id`).
    public var idempotencyKey: String { "\(databaseID.isEmpty ? "switchyard" : databaseID):\(taskID.rawValue):\(account)" }
}

/// What a broker said about an order it took: its id, where the order stands, and its fills.
public struct BrokerOrder: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case accepted, partiallyFilled = "partially_filled", filled, rejected, cancelled
        /// Nothing more will happen to the order.
        public var isFinal: Bool { self == .filled || self == .rejected || self == .cancelled }
    }
    public var orderID: String
    public var status: Status
    public var filledQuantity: Int
    /// Average price of the fills; nil before the first.
    public var averagePrice: Double?
    /// The broker's reason for a rejection or cancellation.
    public var reason: String?
    public init(orderID: String, status: Status, filledQuantity: Int = 0, averagePrice: Double? = nil, reason: String? = nil) {
        (self.orderID, self.status, self.filledQuantity, self.averagePrice, self.reason) =
            (orderID, status, filledQuantity, averagePrice, reason)
    }
}

/// What an account answered.
public struct OrderResult: Sendable, Equatable {
    /// What the router does with the answer.
    public enum Disposition: Sendable, Equatable {
        /// The broker has the order (2xx): recorded, never sent again.
        case accepted
        /// Refused for good (a 4xx other than 408, 409, 429; a risk limit; a broker's rejection):
        /// not retried, with the reason.
        case refused
        /// Worth sending again with the same key (408, 429, 5xx, timeout, dropped connection),
        /// not before `after` when the broker said (`Retry-After`).
        case retry(after: Duration?)
        /// The key was already used with a different order (409): FAILED, and an operator must look.
        case conflict
    }
    public var disposition: Disposition
    /// An HTTP-like code: 200 accepted, 4xx refused, 5xx failed.
    public var code: Int
    public var message: String
    /// The broker's order, when it answered with one.
    public var broker: BrokerOrder?

    public var accepted: Bool { disposition == .accepted }

    /// Accepted, or worth a retry: the form the dry-run connector answers in.
    public init(accepted: Bool, code: Int, message: String) {
        self.init(accepted ? .accepted : .retry(after: nil), code: code, message: message)
    }

    public init(_ disposition: Disposition, code: Int, message: String, broker: BrokerOrder? = nil) {
        (self.disposition, self.code, self.message, self.broker) = (disposition, code, message, broker)
    }
}

/// Sends orders to accounts. Called from the router's worker threads, possibly at once: a
/// connector must be safe to call concurrently. `send` may block (network); it never throws,
/// a failure is an `OrderResult` with `accepted == false`.
public protocol OrderConnector: Sendable {
    /// True when no real order leaves the process.
    var isDryRun: Bool { get }
    func send(_ order: Order) -> OrderResult
}

/// Simulates acceptance, with optional latency and a failure rate drawn from a seed, so a
/// demo or a test shows failures and retries reproducibly. Nothing leaves the process.
public struct DryRunConnector: OrderConnector, Equatable {
    public var latency: Duration
    /// 0...1: the share of orders refused (decided per task, account and attempt from the seed).
    public var failureRate: Double
    public var seed: UInt64
    public var isDryRun: Bool { true }

    public init(latency: Duration = .zero, failureRate: Double = 0, seed: UInt64 = 1) {
        (self.latency, self.failureRate, self.seed) = (latency, min(max(failureRate, 0), 1), seed)
    }

    public func send(_ order: Order) -> OrderResult {
        if latency > .zero { sleepThread(for: latency) }
        if failureRate > 0, draw(order) < failureRate {
            return OrderResult(accepted: false, code: 503, message: "dry-run: simulated rejection by \(order.account)")
        }
        let size = order.contracts.map { " \($0) contract\($0 == 1 ? "" : "s")" } ?? " position"
        return OrderResult(accepted: true, code: 200,
                           message: "dry-run: \(order.side.rawValue)\(size) at \(order.price) accepted (\(order.idempotencyKey))")
    }

    /// A number in 0..<1 from the seed, the idempotency key and the attempt (SplitMix64 over FNV-1a).
    func draw(_ order: Order) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        // The key's older form, so a seed draws the same failures as it always did.
        for byte in "switchyard-\(order.taskID.rawValue)-\(order.account)".utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        var z = hash ^ seed &+ UInt64(order.attempt) &* 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }
}

/// The routing mode a router is asked for.
public enum RoutingMode: Sendable, Equatable {
    case dryRun(DryRunConnector)
    /// Real orders: needs a live connector, which this build does not have.
    case live

    /// The connector for this mode, or a clear error for live routing.
    public func connector() throws -> any OrderConnector {
        switch self {
        case .dryRun(let connector): return connector
        case .live:
            throw ConfigurationError("Live routing needs a live connector, and this build has none.", remedy: .routeDryRun)
        }
    }
}
