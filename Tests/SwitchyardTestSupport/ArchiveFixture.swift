import Foundation

/// Rows for the archive's tests, in plain SQL as the seed system and routers leave them: finished
/// trades of early 2024 (well past `--older-than 400d`) and the trades that must stay.
public enum ArchiveFixture {
    /// Finished trades that may leave: `old-1` ... `old-<trades>` (ENTRY and EXIT, each
    /// accepted by ES-1, so their positions closed), every third task with a second audit row,
    /// plus one FAILED and one DEAD trade. Trades that must stay: `open-exit` (its EXIT still
    /// PENDING), `open-position` (an ENTRY accepted, no EXIT) and `recent` (finished today).
    public static func seedSQL(trades: Int = 120) -> String {
        """
        INSERT INTO execution_tasks (trade_id, event_type, status, attempts, payload, created_at, updated_at, finished_at)
        SELECT 'old-' || g, e.kind, 'SUCCESS', 1,
               jsonb_build_object('kind', e.kind, 'direction', 'LONG', 'entry_price', 4156.25, 'stop_loss', 4150.00),
               timestamp '2024-01-01' + g * interval '17 hours' + e.o * interval '1 hour',
               timestamp '2024-01-01' + g * interval '17 hours' + e.o * interval '1 hour' + interval '2 seconds',
               (timestamp '2024-01-01' + g * interval '17 hours' + e.o * interval '1 hour')::timestamptz + interval '2 seconds'
        FROM generate_series(1, \(trades)) g, (VALUES ('ENTRY', 0), ('EXIT', 1)) AS e(kind, o) ORDER BY g, e.o;
        INSERT INTO execution_logs (task_id, status, response_code, response_body, created_at, event, account, router_id, duration_ms, contracts)
        SELECT id, 'SUCCESS', 200, 'BUY 2 contracts at 4156.25', created_at + interval '1 second', 'ATTEMPT', 'ES-1', 'r1', 12, 2
        FROM execution_tasks WHERE trade_id LIKE 'old-%' AND event_type = 'ENTRY' ORDER BY id;
        INSERT INTO execution_logs (task_id, status, response_code, response_body, created_at, event, account, router_id, duration_ms)
        SELECT id, 'SUCCESS', 200, 'SELL 2 contracts at 4150.00', created_at + interval '1 second', 'ATTEMPT', 'ES-1', 'r1', 9
        FROM execution_tasks WHERE trade_id LIKE 'old-%' AND event_type = 'EXIT' ORDER BY id;
        INSERT INTO execution_logs (task_id, status, response_body, created_at, event, actor)
        SELECT id, 'SUCCESS', 'retry asked', created_at + interval '1 minute', 'RETRY_REQUESTED', 'ops@desk (from 10.0.0.7)'
        FROM execution_tasks WHERE trade_id LIKE 'old-%' AND id % 3 = 0 ORDER BY id;
        UPDATE execution_tasks SET status = 'FAILED', last_error = 'refused: risk limit' WHERE trade_id = 'old-2';
        UPDATE execution_tasks SET status = 'DEAD', dead_letter_reason = 'bad payload', dead_lettered_at = finished_at
        WHERE trade_id = 'old-3';

        INSERT INTO execution_tasks (trade_id, event_type, status, created_at, updated_at, finished_at) VALUES
            ('open-exit', 'ENTRY', 'SUCCESS', '2024-01-05', '2024-01-05', '2024-01-05'),
            ('open-exit', 'EXIT', 'PENDING', '2024-01-06', '2024-01-06', NULL),
            ('open-position', 'ENTRY', 'SUCCESS', '2024-01-07', '2024-01-07', '2024-01-07'),
            ('recent', 'ENTRY', 'SUCCESS', localtimestamp, localtimestamp, now());
        -- Only open-position's ENTRY opens a position (an attempt without an account opens none).
        INSERT INTO execution_logs (task_id, status, created_at, event, account)
        SELECT id, 'SUCCESS', created_at, 'ATTEMPT', CASE WHEN trade_id = 'open-position' THEN 'ES-1' END
        FROM execution_tasks WHERE trade_id IN ('open-exit', 'open-position', 'recent') AND status = 'SUCCESS' ORDER BY id;
        """
    }

    /// The trades that must never leave.
    public static let stayingTrades = ["open-exit", "open-position", "recent"]

    /// One text for the rows of a table (`execution_tasks` or `execution_logs`, schema-qualified
    /// or not) whose task's trade matches `trades` (a LIKE pattern): equal before archive and
    /// after restore when every column of every row came back.
    public static func fingerprintSQL(table: String, tradesLike: String? = nil) -> String {
        let taskColumn = table.hasSuffix("execution_tasks") ? "r.id" : "r.task_id"
        let tasks = table.replacingOccurrences(of: "execution_logs", with: "execution_tasks")
        let filter = tradesLike.map { "WHERE \(taskColumn) IN (SELECT id FROM \(tasks) WHERE trade_id LIKE '\($0)')" } ?? ""
        return "SELECT count(*) AS n, md5(coalesce(string_agg(row_to_json(r)::text, E'\\n' ORDER BY r.id), '')) AS fingerprint FROM \(table) r \(filter)"
    }
}
