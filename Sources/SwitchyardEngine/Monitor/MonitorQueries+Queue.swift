import FoundationEssentials

extension MonitorQueries {
    /// Tasks per known status and the lag. Small statuses are counted (an index-only scan of
    /// `(status, ...)`, stopping at `exactCountLimit`); a status the statistics say is far
    /// larger, typically SUCCESS, is estimated from them instead of scanning millions of rows.
    func queueDepth(on connection: PGConnection, features: SchemaFeatures, now: Date) throws -> QueueDepth {
        guard features.hasTasksTable else { throw PartUnavailable(reason: SchemaFeatures.needsMigration("execution_tasks")) }
        let statistics = try StatusStatistics(row: connection.execute(Self.statusStatisticsQuery).first)
        let limit = features.observedAccounts == nil ? config.exactCountLimit : config.observerCountLimit
        // Counting stops at limit + 1: that is how "more than the limit" is known.
        let toCount = TaskStatus.known.filter { statistics.estimate($0) <= limit * 4 }
        var counts: [TaskStatus: Int] = [:]
        var estimated: Set<TaskStatus> = []
        if !toCount.isEmpty {
            let query: Query = """
                SELECT s.status, (SELECT count(*) FROM (SELECT 1 FROM execution_tasks t
                                  WHERE t.status = s.status LIMIT \(limit + 1)) AS capped) AS n
                FROM unnest(\(toCount.map(\.rawValue))::text[]) AS s(status)
                """
            for row in try connection.execute(query.named("countTasksByStatus")).rows {
                counts[TaskStatus(rawValue: try row.decode("status"))] = try row.decode("n", as: Int.self)
            }
        }
        let large = TaskStatus.known.filter { counts[$0].map { $0 > limit } ?? true }
        let exactTotal = counts.filter { !large.contains($0.key) }.values.reduce(0, +)
        for status in large {
            estimated.insert(status)
            var estimate = statistics.estimate(status)
            // Not for a per-account observer: the table's size counts every account's tasks, and
            // row-level security hides the status statistics from it, so it sees the count capped
            // at the limit (`observerCountLimit`), marked estimated.
            if large.count == 1, features.observedAccounts == nil, let total = statistics.totalRows {
                // The others are exact, so the rest of the table is this status.
                estimate = total - exactTotal
            }
            counts[status] = max(estimate, counts[status] ?? 0)
        }
        return QueueDepth(counts: counts, oldestEligibleAge: try oldestEligible(on: connection, features: features, now: now)
            .map { max(0, now.timeIntervalSince($0)) }, estimated: estimated,
                          scheduled: try scheduledCount(on: connection, features: features, now: now))
    }

    /// PENDING tasks waiting for a future time, counted through the claimable index's range
    /// `available_at > now` (stopping at `exactCountLimit` + 1, as the other counts do).
    func scheduledCount(on connection: PGConnection, features: SchemaFeatures, now: Date) throws -> Int {
        guard features.hasQueueColumns else { return 0 }
        let query: Query = """
            SELECT count(*) AS n FROM (SELECT 1 FROM execution_tasks
                                       WHERE status IN (\(statuses: TaskStatus.waiting)) AND available_at > \(now) AND status = 'PENDING'
                                       LIMIT \(config.exactCountLimit + 1)) AS capped
            """
        return try connection.execute(query.named("countScheduledTasks")).first?.decode("n") ?? 0
    }

    /// Every schedule that is not removed, next runs first, with its figures.
    func schedules(on connection: PGConnection, features: SchemaFeatures) throws -> [Schedule] {
        guard features.hasSchedules else { throw PartUnavailable(reason: SchemaFeatures.needsMigration("switchyard_schedules")) }
        return try ScheduleBook(connection: connection).list()
    }

    /// When the oldest eligible task became eligible: PENDING or RETRYING with `available_at`
    /// passed; on a seed-only database, the oldest PENDING task's `created_at` (server-local).
    func oldestEligible(on connection: PGConnection, features: SchemaFeatures, now: Date) throws -> Date? {
        let query: Query = features.hasQueueColumns
            ? """
              SELECT min(available_at) AS oldest FROM execution_tasks
              WHERE status IN (\(statuses: TaskStatus.waiting)) AND available_at <= \(now)
              """
            : """
              SELECT min(created_at)::timestamptz AS oldest FROM execution_tasks
              WHERE status = 'PENDING' AND created_at <= \(now)::timestamptz
              """
        return try connection.execute(query.named("oldestEligibleTask")).first?.decodeIfPresent("oldest", as: Date.self)
    }

    /// The table's size and the status frequencies from the planner's statistics (pg_class and
    /// pg_stats, both readable by any role that may SELECT the table).
    static let statusStatisticsQuery: Query = """
        SELECT CASE WHEN c.reltuples < 0 THEN NULL
                    WHEN c.relpages > 0 THEN (c.reltuples / c.relpages
                         * (pg_relation_size(c.oid) / current_setting('block_size')::int))::bigint
                    ELSE c.reltuples::bigint END AS total_rows,
               s.most_common_vals::text::text[] AS common_values, s.most_common_freqs AS common_frequencies
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = 'status'
        WHERE c.oid = 'execution_tasks'::regclass
        """
}

/// The planner's view of `execution_tasks`: roughly how many rows, and how often each status occurs.
struct StatusStatistics {
    /// nil when the table was never analysed.
    var totalRows: Int?
    var frequencies: [String: Double]

    init(row: Row?) throws {
        totalRows = try row?.decodeIfPresent("total_rows", as: Int.self)
        frequencies = [:]
        if let values = row?["common_values"], let numbers = row?["common_frequencies"] {
            for (value, frequency) in zip(PostgresArray.parse(values), PostgresArray.parse(numbers)) {
                if let value, let frequency = frequency.flatMap(Double.init) { frequencies[value] = frequency }
            }
        }
    }

    /// The statistics' guess for one status; 0 when they know nothing (so it is counted).
    func estimate(_ status: TaskStatus) -> Int {
        guard let totalRows, let frequency = frequencies[status.rawValue] else { return 0 }
        return Int((Double(totalRows) * frequency).rounded())
    }
}
