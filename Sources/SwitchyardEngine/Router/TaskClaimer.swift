import FoundationEssentials

/// Claims tasks for one claim loop, sizing each claim to the queue: small while the queue is
/// quiet, doubling while claims come back full (a backlog), up to `Config.maximum`.
///
/// Not thread-safe: each claim loop has its own claimer and connection.
public struct TaskClaimer: Sendable {
    public struct Config: Sendable, Equatable {
        /// The most tasks one claim may lock (`--batch-size`).
        public var maximum = 500
        /// What a claim on a quiet queue asks for.
        public var minimum = 10
        /// Claim `maximum` every time instead of adapting (`--fixed-batch-size`).
        public var fixed = false
        /// How long a claim holds a task before another router may take it back.
        public var lease: Duration = .seconds(10)
        public init() {}
    }

    public let routerID: String
    public let config: Config
    /// Counts the tasks claimed.
    public let metrics: RouterMetrics
    /// Tasks the next claim asks for.
    public private(set) var nextLimit: Int

    public init(routerID: String, config: Config, metrics: RouterMetrics = RouterMetrics()) {
        self.routerID = routerID
        self.config = config
        self.metrics = metrics
        nextLimit = config.fixed ? config.maximum : min(config.minimum, config.maximum)
    }

    /// One claim of up to `nextLimit` eligible tasks (one statement), then the next size.
    public mutating func runOnce(on connection: PGConnection) throws -> [ClaimedTask] {
        let limit = nextLimit
        let claimed = try TaskQueue(connection: connection).claim(limit: limit, routerID: routerID, lease: config.lease)
        adapt(claimed: claimed.count, asked: limit)
        metrics.claimed(claimed.count)
        return claimed
    }

    /// A full claim means more is waiting: ask for twice as many next time. A partial one
    /// means the backlog is gone: ask for about what came, so a trickle stays a small claim.
    mutating func adapt(claimed: Int, asked: Int) {
        guard !config.fixed else { return }
        let floor = min(config.minimum, config.maximum)
        nextLimit = claimed >= asked ? min(config.maximum, asked * 2) : max(floor, claimed)
    }
}
