import FoundationEssentials

/// Keeps the tables derived from the queue to a window (migration 14): per-minute counts older
/// than `Config.keepMinutes` are added into their hour and removed, hours older than
/// `Config.keepHours` are removed, and so are alert messages delivered and schedule runs
/// recorded longer ago than `Config.keepRecords`. The audit trail itself is never touched.
///
/// Cluster-wide work that is safe from every router at once, like `LeaseRescuer`: each batch is
/// one statement that locks its rows with SKIP LOCKED and moves them (delete, then add into the
/// hour) in one transaction, so two pruners never take the same minute and no count is ever in
/// both tables or in neither. Every cutoff is on the database's clock.
public struct DerivedTablePruner: Sendable {
    public struct Config: Sendable, Equatable {
        /// How often a router prunes.
        public var interval: Duration = .seconds(60)
        /// Minutes kept as minutes; older ones are rolled up into hours.
        public var keepMinutes: Duration = .seconds(48 * 3600)
        /// Hours kept; older ones are removed.
        public var keepHours: Duration = .seconds(400 * 86_400)
        /// Delivered alert messages and schedule runs kept (missed runs are kept: a schedule's
        /// count of missed runs reads them).
        public var keepRecords: Duration = .seconds(30 * 86_400)
        /// Rows one statement moves or removes at most: a short transaction each.
        public var batchSize = 1000
        /// Batches one pass runs at most per table; the rest waits for the next pass. An hour of
        /// 50 accounts' minutes in 8 shards is 24 batches: a pass a minute keeps up.
        public var batchesPerPass = 20
        public init() {}

        /// The shortest `keepMinutes`: the alerts' longest window (a day) is read from minutes.
        public static let minimumMinutes: Duration = .seconds(AlertCondition.maximumWindowMinutes * 60)
        /// The shortest `keepRecords`: migration 14 refuses to delete a schedule run younger than a day.
        public static let minimumRecords: Duration = .seconds(86_400)

        /// Throws when the windows cannot work together.
        public func validate() throws {
            guard keepMinutes >= Self.minimumMinutes else {
                throw ConfigurationError("Minutes must be kept at least \(TimeSpan.format(Self.minimumMinutes)): the alerts' longest window reads them.")
            }
            guard keepHours > keepMinutes else {
                throw ConfigurationError("Hours must be kept longer than minutes (\(TimeSpan.format(keepMinutes))), or rolled-up minutes would be removed at once.")
            }
            guard keepRecords >= Self.minimumRecords else {
                throw ConfigurationError("Alert deliveries and schedule runs must be kept at least \(TimeSpan.format(Self.minimumRecords)).")
            }
            guard batchSize >= 1, batchesPerPass >= 1 else {
                throw ConfigurationError("The pruner's batch size and batches per pass must be 1 or more.")
            }
        }
    }

    /// What one pass did: rows moved or removed, per table.
    public struct Report: Sendable, Equatable {
        /// Rows of `switchyard_attempt_minutes` added into their hour and removed.
        public var attemptMinutesRolledUp = 0
        /// Rows of `switchyard_account_minutes` added into their hour and removed.
        public var accountMinutesRolledUp = 0
        public var attemptHoursRemoved = 0
        public var accountHoursRemoved = 0
        public var deliveriesRemoved = 0
        public var scheduleRunsRemoved = 0
        /// False when the database has no hours tables yet (before migration 14): nothing was done.
        public var available = true
        public init() {}
        public var total: Int {
            attemptMinutesRolledUp + accountMinutesRolledUp + attemptHoursRemoved + accountHoursRemoved
                + deliveriesRemoved + scheduleRunsRemoved
        }
    }

    public let config: Config

    public init(config: Config = Config()) {
        self.config = config
    }

    /// One pass over every derived table, each batch its own transaction. `now` is the
    /// database's `now()` when nil (tests inject one). `proceed` is asked before each batch: a
    /// router that is stopping ends the pass there (what is left waits for the next pass).
    public func runOnce(on connection: PGConnection, now injected: Date? = nil,
                        proceed: () -> Bool = { true }) throws -> Report {
        var report = Report()
        let present: Query = "SELECT to_regclass('switchyard_attempt_hours') IS NOT NULL AS ok"
        guard try connection.execute(present.named("prunerTablesPresent")).first?.decode("ok") ?? false else {
            report.available = false
            return report
        }
        let cutoffs = try Cutoffs(on: connection, now: injected, config: config)
        let limit = config.batchSize
        func run(_ batch: Query) throws -> Int { try drain(batch, on: connection, proceed) }
        report.attemptMinutesRolledUp = try run(PrunerQueries.rollUpAttemptMinutes(before: cutoffs.minutes, limit: limit))
        report.accountMinutesRolledUp = try run(PrunerQueries.rollUpAccountMinutes(before: cutoffs.minutes, limit: limit))
        report.attemptHoursRemoved = try run(PrunerQueries.removeAttemptHours(before: cutoffs.hours, limit: limit))
        report.accountHoursRemoved = try run(PrunerQueries.removeAccountHours(before: cutoffs.hours, limit: limit))
        report.deliveriesRemoved = try run(PrunerQueries.removeDeliveries(before: cutoffs.records, limit: limit))
        report.scheduleRunsRemoved = try run(PrunerQueries.removeScheduleRuns(before: cutoffs.records, limit: limit))
        return report
    }

    /// Runs `batch` (which answers `n`, the rows it moved) until one moves fewer than a whole
    /// batch, at most `batchesPerPass` times; the rows moved in all.
    private func drain(_ batch: Query, on connection: PGConnection, _ proceed: () -> Bool) throws -> Int {
        var total = 0
        for _ in 0..<config.batchesPerPass {
            guard proceed() else { break }
            let moved: Int = try connection.execute(batch).first?.decode("n") ?? 0
            total += moved
            if moved < config.batchSize { break }
        }
        return total
    }

    /// Where each window ends, read once per pass from the database's clock. Minutes and hours
    /// end on a whole hour (server-local, like the rows), so an hour is rolled up whole or not yet.
    struct Cutoffs {
        var minutes: Date
        var hours: Date
        var records: Date

        init(on connection: PGConnection, now injected: Date?, config: Config) throws {
            let query: Query = """
                SELECT date_trunc('hour', (n.now - \(config.keepMinutes.milliseconds) * interval '1 millisecond')::timestamp)::timestamptz AS minutes,
                       date_trunc('hour', (n.now - \(config.keepHours.milliseconds) * interval '1 millisecond')::timestamp)::timestamptz AS hours,
                       n.now - \(config.keepRecords.milliseconds) * interval '1 millisecond' AS records
                FROM (SELECT coalesce(\(injected)::timestamptz, now()) AS now) AS n
                """
            let row = try connection.execute(query.named("prunerCutoffs")).first!
            (minutes, hours, records) = (try row.decode("minutes"), try row.decode("hours"), try row.decode("records"))
        }
    }
}
