import FoundationEssentials

/// One order for one account.
public struct Order: Sendable, Equatable {
    public enum Side: String, Sendable { case buy = "BUY", sell = "SELL", close = "CLOSE" }
    public var taskID: TaskID
    public var tradeID: String
    public var account: String
    public var side: Side
    /// Contracts to open; nil for an EXIT (close whatever the ENTRY opened).
    public var contracts: Int?
    public var price: Double
    /// Task id + account: a broker that sees it twice must not fill twice.
    public var idempotencyKey: String { "switchyard-\(taskID.rawValue)-\(account)" }
    /// Attempt number, 1 for the first.
    public var attempt: Int
}

/// What an account answered.
public struct OrderResult: Sendable, Equatable {
    public var accepted: Bool
    /// An HTTP-like code: 200 accepted, 4xx refused, 5xx failed.
    public var code: Int
    public var message: String
    public init(accepted: Bool, code: Int, message: String) {
        (self.accepted, self.code, self.message) = (accepted, code, message)
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
        for byte in order.idempotencyKey.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
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
