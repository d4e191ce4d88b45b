import FoundationEssentials

/// A gauge read from the database when metrics are scraped, not counted by this process: what
/// the whole cluster holds (tasks by status, the lag, live routers, alerts firing). Adding one is
/// one `DatabaseGauge` (see `alertsFiring`) and its entry in `DatabaseGauge.standard`.
public struct DatabaseGauge: Sendable {
    /// One series: its labels and value.
    public struct Sample: Sendable, Equatable {
        public var labels: [(String, String)]
        public var value: Double
        public init(labels: [(String, String)] = [], value: Double) {
            (self.labels, self.value) = (labels, value)
        }
        public static func == (lhs: Sample, rhs: Sample) -> Bool {
            lhs.value == rhs.value && lhs.labels.elementsEqual(rhs.labels, by: { $0 == $1 })
        }
    }

    /// What a gauge's read gets: the connection, inside a read-only transaction with a statement
    /// timeout, the schema's features and the server's `now()`.
    public struct Context {
        public let connection: PGConnection
        public let features: SchemaFeatures
        public let now: Date
        let queries: MonitorQueries
    }

    public var name: String
    public var help: String
    public var read: @Sendable (Context) throws -> [Sample]

    public init(name: String, help: String, read: @escaping @Sendable (Context) throws -> [Sample]) {
        (self.name, self.help, self.read) = (name, help, read)
    }

    /// What `/metrics` reads from the database on each (cached) scrape.
    public static let standard: [DatabaseGauge] = [.tasks, .queueLag, .liveRouters, .alertsFiring]

    /// Tasks by status, counted as the dashboard counts them: exact below
    /// `MonitorQueries.Config.exactCountLimit` a status, from the planner's statistics above
    /// (typically SUCCESS at millions of rows). Every known status is reported, 0 included.
    public static let tasks = DatabaseGauge(
        name: "switchyard_tasks",
        help: "Tasks in the queue by status, as stored (exact up to 10000 a status, estimated from the planner's statistics above).",
        read: { context in
            let depth = try context.queries.queueDepth(on: context.connection, features: context.features, now: context.now)
            return TaskStatus.known.map { Sample(labels: [("status", $0.rawValue)], value: Double(depth.count($0))) }
        })

    /// Seconds the oldest eligible task has waited (0 when none waits), on the server's clock.
    public static let queueLag = DatabaseGauge(
        name: "switchyard_queue_lag_seconds",
        help: "Seconds the oldest eligible task (PENDING or RETRYING and due) has waited; 0 when none waits.",
        read: { context in
            let oldest = try context.queries.oldestEligible(on: context.connection, features: context.features, now: context.now)
            return [Sample(value: oldest.map { max(0, context.now.timeIntervalSince($0)) } ?? 0)]
        })

    /// Alert episodes firing now (`switchyard alerts list`), across the cluster; 0 before migration 9.
    public static let alertsFiring = DatabaseGauge(
        name: "switchyard_alerts_firing",
        help: "Alert rules firing now (one per rule, or per account for account rules), across the cluster.",
        read: { context in [Sample(value: Double(try AlertQueries.firingCount(on: context.connection)))] })

    /// Routers live by the one rule (`RouterLiveness`), across every machine.
    public static let liveRouters = DatabaseGauge(
        name: "switchyard_routers_live",
        help: "Routers live now, on every machine (not stopped, and their last heartbeat's promise still holds).",
        read: { context in
            guard context.features.hasRoutersTable else {
                throw PartUnavailable(reason: SchemaFeatures.needsMigration("switchyard_routers"))
            }
            let live = RouterLiveness.condition(at: context.now, hasLiveUntil: context.features.hasRouterLiveUntil)
            let query: Query = "SELECT count(*) AS n FROM switchyard_routers WHERE \(live)"
            let count = try context.connection.execute(query.named("liveRouterCount")).first?.decode("n", as: Int.self) ?? 0
            return [Sample(value: Double(count))]
        })
}

/// One scrape's reading of the database gauges.
public struct DatabaseGaugeReading: Sendable {
    /// Samples by gauge name; a gauge that could not be read is missing.
    public var samples: [String: [DatabaseGauge.Sample]]
    /// Why a gauge is missing, by gauge name.
    public var unavailable: [String: String]
    /// How long the read took.
    public var duration: Duration
}

extension MonitorQueries {
    /// Reads `gauges` in one short read-only transaction under the statement timeout; a gauge
    /// that fails (a missing table, a timeout) is reported unavailable and the others still
    /// read. Only a lost connection throws.
    public func readGauges(_ gauges: [DatabaseGauge], on connection: PGConnection) throws -> DatabaseGaugeReading {
        let clock = ContinuousClock()
        let start = clock.now
        var unavailable: [String: String] = [:]
        let samples = try readOnlyTransaction(on: connection) { now in
            let context = DatabaseGauge.Context(connection: connection, features: try detect(on: connection), now: now,
                                                queries: self)
            var samples: [String: [DatabaseGauge.Sample]] = [:]
            for gauge in gauges {
                samples[gauge.name] = try readPart(named: gauge.name, on: connection, into: &unavailable) {
                    try gauge.read(context)
                }
            }
            return samples
        }
        return DatabaseGaugeReading(samples: samples, unavailable: unavailable, duration: clock.now - start)
    }
}
