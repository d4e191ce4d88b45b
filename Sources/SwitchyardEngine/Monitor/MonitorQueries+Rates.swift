import FoundationEssentials

extension MonitorQueries {
    /// Processed attempts per minute for the hour ending with `now`'s minute (rows after `now`
    /// are not counted), and the current rate.
    ///
    /// The last two minutes are counted from the audit rows. Earlier minutes come from
    /// `switchyard_attempt_minutes` (migration 6: about 60 rows, kept exact by a trigger) when
    /// the database has it, else from the audit rows too (some 40,000 rows an hour at ten
    /// million tasks).
    ///
    /// With a `ratesCache`, minutes that ended more than a minute ago are read once and kept,
    /// so a refresh reads only the last two minutes; the whole hour is read again every
    /// `ratesFullReadInterval`, which also picks up rows committed late.
    func processingRates(on connection: PGConnection, features: SchemaFeatures, now: Date) throws -> ProcessingRates {
        guard features.hasLogsTable else { throw PartUnavailable(reason: SchemaFeatures.needsMigration("execution_logs")) }
        let currentMinute = Int((now.timeIntervalSince1970 / 60).rounded(.down))
        let firstMinute = currentMinute - 59
        // Minutes before this one are complete: rows are stamped when their transaction
        // starts, so one minute of grace covers commits that land a little late.
        let settled = currentMinute - 1
        let cached = ratesCache?.minutes(from: firstMinute, before: settled, now: now,
                                         fullReadInterval: config.ratesFullReadInterval) ?? [:]
        let readFrom = (firstMinute..<settled).first { cached[$0] == nil } ?? settled
        // On a migrated database only ATTEMPT rows are attempts (RETRY_REQUESTED, HELD, ... are
        // not); the seed system wrote one row per attempt and has no `event` column.
        let attempts = features.hasAuditColumns ? "event = 'ATTEMPT' AND " : ""
        // Audit rows are counted from this minute on; the settled minutes before it, from the
        // per-minute table when there is one.
        // A per-account observer adds up its accounts' minutes (migration 11): the whole-queue
        // table holds no row of its own.
        let observerMinutes = features.observedAccounts != nil && features.hasAccountFigures
        // An hour read long after the fact (`stats --at`) may have been rolled up into hours
        // (migration 14): its minutes are then counted from the audit rows, which keep them.
        let rolledUp = try minutesRolledUp(from: readFrom, accounts: observerMinutes, on: connection, features: features)
        let countFrom = (features.hasAttemptMinutes || observerMinutes) && !rolledUp ? max(readFrom, settled) : readFrom
        let minutesTable = observerMinutes
            ? "(SELECT minute, accepted AS succeeded, refused AS failed FROM switchyard_account_minutes) AS m"
            : "switchyard_attempt_minutes"
        let perMinute: Query = """
            SELECT date_trunc('minute', created_at)::timestamptz AS minute,
                   count(*) FILTER (WHERE status = 'SUCCESS') AS succeeded,
                   count(*) FILTER (WHERE status = 'FAILED') AS failed
            FROM execution_logs
            WHERE \(unescaped: attempts)created_at >= \(Self.minuteStart(countFrom))::timestamptz::timestamp
              AND created_at <= \(now)::timestamptz::timestamp
            GROUP BY date_trunc('minute', created_at)
            """
        var read: [Int: MinuteCounts] = [:]
        for minute in readFrom...currentMinute { read[minute] = MinuteCounts(succeeded: 0, failed: 0) }
        if countFrom > readFrom {
            let settledMinutes: Query = """
                SELECT minute::timestamptz AS minute, sum(succeeded)::bigint AS succeeded, sum(failed)::bigint AS failed
                FROM \(unescaped: minutesTable)
                WHERE minute >= \(Self.minuteStart(readFrom))::timestamptz::timestamp
                  AND minute < \(Self.minuteStart(countFrom))::timestamptz::timestamp
                GROUP BY minute
                """
            for row in try connection.execute(settledMinutes.named("settledAttemptsPerMinute")).rows {
                let start: Date = try row.decode("minute")
                read[Int((start.timeIntervalSince1970 / 60).rounded(.down))] =
                    MinuteCounts(succeeded: try row.decode("succeeded"), failed: try row.decode("failed"))
            }
        }
        for row in try connection.execute(perMinute.named("attemptsPerMinute")).rows {
            // Truncated on the stored value (cheap per row), converted once per minute.
            let start: Date = try row.decode("minute")
            read[Int((start.timeIntervalSince1970 / 60).rounded(.down))] =
                MinuteCounts(succeeded: try row.decode("succeeded"), failed: try row.decode("failed"))
        }
        ratesCache?.store(read.filter { $0.key < settled }, fullRead: readFrom == firstMinute, now: now)
        let minutes = (firstMinute...currentMinute).map { minute in
            let counts = read[minute] ?? cached[minute] ?? MinuteCounts(succeeded: 0, failed: 0)
            return ProcessingRates.Minute(start: Self.minuteStart(minute), succeeded: counts.succeeded, failed: counts.failed)
        }
        let recent: Query = """
            SELECT count(*) AS n FROM execution_logs
            WHERE \(unescaped: attempts)created_at > \(now.addingTimeInterval(-config.currentRateWindow))::timestamptz::timestamp
              AND created_at <= \(now)::timestamptz::timestamp AND status IN ('SUCCESS', 'FAILED')
            """
        let finished: Int = try connection.execute(recent.named("attemptsJustNow")).first!.decode("n")
        return ProcessingRates(minutes: minutes, currentPerSecond: Double(finished) / config.currentRateWindow)
    }

    /// Whether the per-minute counts from `minute` on were rolled up into hours, even in part
    /// (routers keep 48 hours of minutes by default; `DerivedTablePruner`): one probe of the
    /// hours' primary key. `accounts`: the per-account table rather than the whole queue's.
    func minutesRolledUp(from minute: Int, accounts: Bool, on connection: PGConnection, features: SchemaFeatures) throws -> Bool {
        guard features.hasHourTables else { return false }
        let hours = accounts ? "switchyard_account_hours" : "switchyard_attempt_hours"
        let query: Query = """
            SELECT EXISTS (SELECT 1 FROM \(unescaped: hours)
                           WHERE hour >= date_trunc('hour', \(Self.minuteStart(minute))::timestamptz::timestamp)) AS rolled
            """
        return try connection.execute(query.named("minutesRolledUp")).first?.decode("rolled") ?? false
    }

    // The audit rows' times are server-local TIMESTAMPs: bounds are converted to that type (in
    // the session's time zone, as comparing with a TIMESTAMPTZ would convert the column), so
    // the comparison is the type's own, leakproof operator. Row-level security lets only
    // leakproof operators into an index scan: compared as TIMESTAMPTZ, a per-account
    // observer's hour of rates was a scan of the whole audit trail.
    static func minuteStart(_ minute: Int) -> Date { Date(timeIntervalSince1970: Double(minute) * 60) }
}

/// Succeeded and failed attempts in one minute.
struct MinuteCounts: Equatable, Sendable {
    var succeeded: Int
    var failed: Int
}

/// Per-minute attempt counts of minutes already over, kept between refreshes by a dashboard
/// that reuses one `MonitorQueries` (a one-shot `switchyard stats` does not need one).
public final class RatesCache: @unchecked Sendable {
    // Safe to share: every access to the state below holds `lock`.
    private let lock = Lock()
    private var counts: [Int: MinuteCounts] = [:]
    private var lastFullRead: Date?
    private var latestNow: Date?

    public init() {}

    /// The cached minutes in `from..<before`; none when a full read is due, or when `now`
    /// went backwards (the cache may hold rows after it).
    func minutes(from first: Int, before end: Int, now: Date, fullReadInterval: TimeInterval) -> [Int: MinuteCounts] {
        lock.lock()
        defer { lock.unlock() }
        guard let lastFullRead, let latestNow, now >= latestNow,
              now.timeIntervalSince(lastFullRead) < fullReadInterval else {
            counts = [:]
            return [:]
        }
        counts = counts.filter { $0.key >= first }
        return counts.filter { $0.key < end }
    }

    func store(_ minutes: [Int: MinuteCounts], fullRead: Bool, now: Date) {
        lock.lock()
        defer { lock.unlock() }
        counts.merge(minutes) { _, new in new }
        if fullRead { lastFullRead = now }
        latestNow = now
    }
}
