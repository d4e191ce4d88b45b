import FoundationEssentials

/// Keeps a router's place in the cluster: its row in `switchyard_routers` (registered by the
/// first heartbeat), the leases of its in-flight tasks, and the pause switches it must obey.
///
/// Every time it writes is the server's `now()`: a heartbeat promises the router is live until
/// `now() + lease` (`RouterLiveness`), and pushes its tasks' leases to the same time.
public struct LeaseKeeper: Sendable {
    public struct Config: Sendable, Equatable {
        /// How long a task stays leased, and the router live, after a heartbeat.
        public var lease: Duration = .seconds(10)
        /// How often the router heartbeats; well under the lease.
        public var interval: Duration = .seconds(2)
        public init() {}
    }

    /// What one heartbeat learned.
    public struct Beat: Sendable, Equatable {
        /// The global pause is on.
        public var paused: Bool
        /// Event types paused for every router.
        public var pausedEventTypes: [String]
        /// In-flight tasks whose lease was pushed.
        public var leasesExtended: Int
    }

    public let routerID: String
    public let config: Config
    /// False for a router that routes live accounts: every heartbeat writes it into the row
    /// (`dry_run`), so observers' routers panel and header say LIVE truly, even for a router id
    /// reused by a restart in the other mode.
    public let dryRun: Bool
    /// Where the router runs, as its row shows it (read once: a host name can cost a lookup).
    private let host = ProcessInfo.processInfo.hostName
    private let pid = Int(ProcessInfo.processInfo.processIdentifier)

    public init(routerID: String, config: Config, dryRun: Bool) {
        self.routerID = routerID
        self.config = config
        self.dryRun = dryRun
    }

    /// One heartbeat: extends the leases of `inFlight`, then registers or refreshes the router's
    /// row (live until `now() + lease`, no longer marked stopped) and reads the pause switches.
    public func runOnce(on connection: PGConnection, inFlight: [TaskID], processed: Int) throws -> Beat {
        let extended = try TaskQueue(connection: connection).extendLeases(inFlight, routerID: routerID, lease: config.lease)
        let query: Query = """
            WITH control AS (SELECT global_paused, paused_event_types FROM switchyard_control WHERE id = 1)
            INSERT INTO switchyard_routers AS r (id, host, pid, dry_run, version, heartbeat_at, live_until, in_flight, processed, paused)
            VALUES (\(routerID), \(host), \(pid), \(dryRun), 'switchyard', now(),
                    now() + \(config.lease.milliseconds) * interval '1 millisecond', \(inFlight.count), \(processed),
                    coalesce((SELECT global_paused FROM control), false))
            ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), live_until = excluded.live_until, dry_run = excluded.dry_run,
                in_flight = excluded.in_flight, processed = excluded.processed, paused = excluded.paused, stopped_at = NULL
            RETURNING r.paused, (SELECT paused_event_types::text FROM control) AS types
            """
        let row = try connection.execute(query.named("heartbeat")).first
        return Beat(paused: try row?.decode("paused", as: Bool.self) ?? false,
                    pausedEventTypes: PostgresArray.parse(row?["types"] ?? "{}").compactMap { $0 },
                    leasesExtended: extended)
    }

    /// Marks the router stopped (it is no longer live), with its final count.
    public func markStopped(on connection: PGConnection, processed: Int) throws {
        let query: Query = """
            UPDATE switchyard_routers SET stopped_at = now(), heartbeat_at = now(), in_flight = 0, processed = \(processed)
            WHERE id = \(routerID)
            """
        try connection.execute(query.named("markRouterStopped"))
    }
}
