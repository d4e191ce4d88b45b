import FoundationEssentials

/// The pruner's statements, one batch each; every one answers `n`, the rows it moved or removed.
/// Rows are taken with SKIP LOCKED, so pruners on several routers share the work instead of
/// waiting on each other, and a row is moved by exactly one of them. Hours are added to in
/// (hour, account) order, so two pruners adding into the same hours cannot deadlock.
///
/// Cutoffs are TIMESTAMPTZ values converted to the rows' server-local TIMESTAMP in the session's
/// time zone, as the readers compare them (`MonitorQueries.minuteStart`).
enum PrunerQueries {
    static func rollUpAttemptMinutes(before cutoff: Date, limit: Int) -> Query {
        let query: Query = """
            WITH batch AS (SELECT minute, shard FROM switchyard_attempt_minutes
                           WHERE minute < \(cutoff)::timestamptz::timestamp
                           ORDER BY minute, shard LIMIT \(limit) FOR UPDATE SKIP LOCKED),
            moved AS (DELETE FROM switchyard_attempt_minutes m USING batch b
                      WHERE m.minute = b.minute AND m.shard = b.shard
                      RETURNING m.minute, m.succeeded, m.failed),
            added AS (INSERT INTO switchyard_attempt_hours AS h (hour, succeeded, failed)
                      SELECT date_trunc('hour', minute), sum(succeeded), sum(failed) FROM moved GROUP BY 1 ORDER BY 1
                      ON CONFLICT (hour) DO UPDATE
                          SET succeeded = h.succeeded + excluded.succeeded, failed = h.failed + excluded.failed)
            SELECT count(*) AS n FROM moved
            """
        return query.named("rollUpAttemptMinutes")
    }

    static func rollUpAccountMinutes(before cutoff: Date, limit: Int) -> Query {
        let query: Query = """
            WITH batch AS (SELECT minute, account, shard FROM switchyard_account_minutes
                           WHERE minute < \(cutoff)::timestamptz::timestamp
                           ORDER BY minute, account, shard LIMIT \(limit) FOR UPDATE SKIP LOCKED),
            moved AS (DELETE FROM switchyard_account_minutes m USING batch b
                      WHERE m.minute = b.minute AND m.account = b.account AND m.shard = b.shard
                      RETURNING m.minute, m.account, m.accepted, m.refused, m.latency_ms_sum, m.latency_count),
            added AS (INSERT INTO switchyard_account_hours AS h (hour, account, accepted, refused, latency_ms_sum, latency_count)
                      SELECT date_trunc('hour', minute), account, sum(accepted), sum(refused), sum(latency_ms_sum), sum(latency_count)
                      FROM moved GROUP BY 1, 2 ORDER BY 1, 2
                      ON CONFLICT (hour, account) DO UPDATE
                          SET accepted = h.accepted + excluded.accepted, refused = h.refused + excluded.refused,
                              latency_ms_sum = h.latency_ms_sum + excluded.latency_ms_sum,
                              latency_count = h.latency_count + excluded.latency_count)
            SELECT count(*) AS n FROM moved
            """
        return query.named("rollUpAccountMinutes")
    }

    static func removeAttemptHours(before cutoff: Date, limit: Int) -> Query {
        remove(from: "switchyard_attempt_hours", key: "hour", where: "hour < \(cutoff)::timestamptz::timestamp", limit: limit)
            .named("removeAttemptHours")
    }

    static func removeAccountHours(before cutoff: Date, limit: Int) -> Query {
        remove(from: "switchyard_account_hours", key: "hour, account", where: "hour < \(cutoff)::timestamptz::timestamp", limit: limit)
            .named("removeAccountHours")
    }

    /// Delivered messages only: one still owed, or abandoned, stays (the dashboard shows those).
    static func removeDeliveries(before cutoff: Date, limit: Int) -> Query {
        remove(from: "switchyard_alert_deliveries", key: "id", where: "delivered_at < \(cutoff)", limit: limit)
            .named("removeDeliveredAlerts")
    }

    /// Runs enqueued (or run now) long ago; missed runs stay, as a schedule's count reads them.
    static func removeScheduleRuns(before cutoff: Date, limit: Int) -> Query {
        remove(from: "switchyard_schedule_runs", key: "schedule_id, run_at", where: "created_at < \(cutoff) AND outcome <> 'MISSED'",
               limit: limit)
            .named("removeOldScheduleRuns")
    }

    /// Removes up to `limit` rows of `table` matching `condition`, oldest key first; `key` is the
    /// table's primary key (trusted text, never a value).
    private static func remove(from table: String, key: String, where condition: Query, limit: Int) -> Query {
        """
        WITH removed AS (DELETE FROM \(unescaped: table)
                         WHERE (\(unescaped: key)) IN (SELECT \(unescaped: key) FROM \(unescaped: table) WHERE \(condition)
                                                      ORDER BY \(unescaped: key) LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                         RETURNING 1)
        SELECT count(*) AS n FROM removed
        """
    }
}
