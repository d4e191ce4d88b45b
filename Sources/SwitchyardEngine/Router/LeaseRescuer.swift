import FoundationEssentials

/// Takes back tasks whose router stopped heartbeating: their lease ended on the database's
/// clock. Cluster-wide work that is safe to run from every router at once (SKIP LOCKED and a
/// RUNNING guard take each expired task back exactly once), so no leader is needed.
public struct LeaseRescuer: Sendable {
    public struct Config: Sendable, Equatable {
        /// How often a router looks for expired leases.
        public var interval: Duration = .seconds(2)
        /// Tasks taken back in one pass at most.
        public var limit = 1000
        public init() {}
    }

    /// The router doing the rescue, recorded as the actor of each RECOVERED row.
    public let rescuerID: String
    public let config: Config
    /// Counts the tasks taken back.
    public let metrics: RouterMetrics

    public init(rescuerID: String, config: Config = Config(), metrics: RouterMetrics = RouterMetrics()) {
        self.rescuerID = rescuerID
        self.config = config
        self.metrics = metrics
    }

    /// One pass: the tasks taken back, each now RETRYING (or FAILED with no attempts left).
    public func runOnce(on connection: PGConnection) throws -> [TaskID] {
        let rescued = try TaskQueue(connection: connection).rescueExpired(by: rescuerID, limit: config.limit)
        metrics.recovered(rescued.count)
        return rescued
    }
}
