-- Per-account figures kept as audit rows arrive, so the dashboard's accounts panel reads a few
-- hundred small rows at ten million tasks instead of the hour's attempts (docs/performance.md).

-- How many contracts an accepted order was for (an ENTRY's size; NULL for an EXIT, which closes
-- the whole position, and for rows written before this migration).
ALTER TABLE execution_logs ADD COLUMN IF NOT EXISTS contracts INTEGER;

-- Attempts per minute and account, like switchyard_attempt_minutes (migration 6): `minute` is
-- date_trunc('minute', created_at), server-local TIMESTAMP; `shard` spreads concurrent writers.
-- Latency is kept as a sum and a count so any window's average can be added up.
CREATE TABLE switchyard_account_minutes (
    minute TIMESTAMP NOT NULL,
    account TEXT NOT NULL,
    shard SMALLINT NOT NULL,
    accepted BIGINT NOT NULL DEFAULT 0,
    refused BIGINT NOT NULL DEFAULT 0,
    latency_ms_sum BIGINT NOT NULL DEFAULT 0,
    latency_count BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, account, shard)
);

-- Open positions: an ENTRY an account accepted, until an EXIT of that trade is accepted by the
-- same account. A derived table (the audit trail stays the record): rows leave it when the
-- position closes, so it holds only what is open.
CREATE TABLE switchyard_open_positions (
    account TEXT NOT NULL,
    trade_id VARCHAR(100) NOT NULL,
    entry_task_id INTEGER NOT NULL,
    direction TEXT,
    contracts INTEGER,
    opened_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account, trade_id, entry_task_id)
);

-- An accepted EXIT closes its trade's positions account by account: found by trade, not by a
-- walk of every position of the account (the primary key's order).
CREATE INDEX idx_switchyard_open_positions_trade ON switchyard_open_positions (trade_id, account);

-- How many positions each account holds open, kept with them so the panel never counts them
-- (an account that never exits would hold millions); sharded like the minutes.
CREATE TABLE switchyard_account_positions (
    account TEXT NOT NULL,
    shard SMALLINT NOT NULL,
    open BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account, shard)
);

-- Once per INSERT statement (a router's write-back is one), never once per row. Rows are
-- written in (minute, account) order so two writers that share a shard lock them in the same
-- order and cannot deadlock. The task lookups are by primary key, for the batch's rows only.
CREATE OR REPLACE FUNCTION switchyard_count_account_attempts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO switchyard_account_minutes AS m (minute, account, shard, accepted, refused, latency_ms_sum, latency_count)
    SELECT date_trunc('minute', created_at), account, pg_backend_pid() % 8,
           count(*) FILTER (WHERE status = 'SUCCESS'), count(*) FILTER (WHERE status = 'FAILED'),
           coalesce(sum(duration_ms), 0), count(duration_ms)
    FROM new_attempts
    WHERE event = 'ATTEMPT' AND status IN ('SUCCESS', 'FAILED') AND account IS NOT NULL AND created_at IS NOT NULL
    GROUP BY 1, 2
    ORDER BY 1, 2
    ON CONFLICT (minute, account, shard) DO UPDATE
        SET accepted = m.accepted + excluded.accepted, refused = m.refused + excluded.refused,
            latency_ms_sum = m.latency_ms_sum + excluded.latency_ms_sum,
            latency_count = m.latency_count + excluded.latency_count;

    IF EXISTS (SELECT 1 FROM new_attempts WHERE event = 'ATTEMPT' AND status = 'SUCCESS' AND account IS NOT NULL) THEN
        -- An ENTRY and the EXIT of the same trade are never accepted in one write-back (the
        -- EXIT waits for its ENTRY to finish), so opening and closing in one statement is safe.
        WITH opened AS (
            INSERT INTO switchyard_open_positions (account, trade_id, entry_task_id, direction, contracts, opened_at)
            SELECT n.account, t.trade_id, t.id, upper(t.payload->>'direction'), n.contracts, coalesce(n.created_at, localtimestamp)
            FROM new_attempts n JOIN execution_tasks t ON t.id = n.task_id
            WHERE n.event = 'ATTEMPT' AND n.status = 'SUCCESS' AND n.account IS NOT NULL AND t.event_type = 'ENTRY'
            ORDER BY 1, 2, 3
            ON CONFLICT DO NOTHING
            RETURNING account),
        closed AS (
            DELETE FROM switchyard_open_positions p
            USING new_attempts n JOIN execution_tasks t ON t.id = n.task_id
            WHERE n.event = 'ATTEMPT' AND n.status = 'SUCCESS' AND n.account IS NOT NULL AND t.event_type = 'EXIT'
              AND p.account = n.account AND p.trade_id = t.trade_id AND p.entry_task_id < t.id
            RETURNING p.account),
        changes AS (SELECT account, 1 AS change FROM opened UNION ALL SELECT account, -1 FROM closed)
        INSERT INTO switchyard_account_positions AS c (account, shard, open)
        SELECT account, pg_backend_pid() % 8, sum(change) FROM changes GROUP BY account ORDER BY account
        ON CONFLICT (account, shard) DO UPDATE SET open = c.open + excluded.open;
    END IF;
    RETURN NULL;
END
$$;

-- It runs as the tables' owner, so a router or operator connected as another role needs no
-- privilege on the summary tables; its search_path is fixed (this schema, then pg_temp), so
-- no temporary table of the inserting session can stand in for them.
ALTER FUNCTION switchyard_count_account_attempts() SECURITY DEFINER;
DO $$ BEGIN
    EXECUTE format('ALTER FUNCTION switchyard_count_account_attempts() SET search_path = %I, pg_temp', current_schema());
END $$;

-- Creating the trigger waits for audit inserts in flight and holds new ones only until this
-- step commits: audit rows written after it are counted by the trigger, rows before it by the
-- backfills below, whose ranges end at the highest id when this step commits.
CREATE OR REPLACE TRIGGER execution_logs_count_account_attempts
    AFTER INSERT ON execution_logs
    REFERENCING NEW TABLE AS new_attempts
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_count_account_attempts();

-- The panel shows the last hour: the audit rows from the first of the two hours before this
-- migration are counted, a few thousand ids a batch; older minutes are never read.
--@ backfill account minutes of the last two hours over execution_logs.id from SELECT min(id) - 1 FROM execution_logs WHERE event = 'ATTEMPT' AND created_at >= localtimestamp - interval '2 hours'
WITH batch AS MATERIALIZED (
    SELECT created_at, account, status, event, duration_ms FROM execution_logs WHERE id > $1 AND id <= $2)
INSERT INTO switchyard_account_minutes AS m (minute, account, shard, accepted, refused, latency_ms_sum, latency_count)
SELECT date_trunc('minute', created_at), account, 0,
       count(*) FILTER (WHERE status = 'SUCCESS'), count(*) FILTER (WHERE status = 'FAILED'),
       coalesce(sum(duration_ms), 0), count(duration_ms)
FROM batch
WHERE event = 'ATTEMPT' AND status IN ('SUCCESS', 'FAILED') AND account IS NOT NULL AND created_at IS NOT NULL
GROUP BY 1, 2
ORDER BY 1, 2
ON CONFLICT (minute, account, shard) DO UPDATE
    SET accepted = m.accepted + excluded.accepted, refused = m.refused + excluded.refused,
        latency_ms_sum = m.latency_ms_sum + excluded.latency_ms_sum,
        latency_count = m.latency_count + excluded.latency_count;

-- Positions open now, from the whole history, a batch of audit rows at a time: ENTRY acceptances
-- with no later EXIT of the same trade accepted by the same account (EXITs accepted after the
-- step above included). The size is read back from the dry-run connector's message where it
-- says it ("BUY 2 contracts at ..."); other rows have none. The lock makes the trigger's closing
-- of a position and this batch's opening of it take turns, so an EXIT accepted while a batch
-- runs never misses the position the batch opens; it is held for one batch (milliseconds).
--@ backfill open positions over execution_logs.id
LOCK TABLE switchyard_open_positions IN SHARE ROW EXCLUSIVE MODE;
WITH batch AS MATERIALIZED (
    SELECT task_id, account, response_body, created_at, status, event FROM execution_logs WHERE id > $1 AND id <= $2),
opened AS (
    INSERT INTO switchyard_open_positions (account, trade_id, entry_task_id, direction, contracts, opened_at)
    SELECT l.account, t.trade_id, t.id, upper(t.payload->>'direction'),
           substring(l.response_body from ' ([0-9]{1,9}) contracts? at ')::int, coalesce(l.created_at, t.created_at, localtimestamp)
    FROM batch l JOIN execution_tasks t ON t.id = l.task_id
    WHERE l.event = 'ATTEMPT' AND l.status = 'SUCCESS' AND l.account IS NOT NULL AND t.event_type = 'ENTRY'
      AND NOT EXISTS (
          SELECT 1 FROM execution_tasks x JOIN execution_logs xl ON xl.task_id = x.id
          WHERE x.trade_id = t.trade_id AND x.event_type = 'EXIT' AND x.id > t.id
            AND xl.account = l.account AND xl.event = 'ATTEMPT' AND xl.status = 'SUCCESS')
    ORDER BY 1, 2, 3
    ON CONFLICT DO NOTHING
    RETURNING account)
INSERT INTO switchyard_account_positions AS c (account, shard, open)
SELECT account, 0, count(*) FROM opened GROUP BY account ORDER BY account
ON CONFLICT (account, shard) DO UPDATE SET open = c.open + excluded.open;

-- Built CONCURRENTLY, outside a transaction: the scan of the audit trail does not stop writers.
--@ no transaction
-- Each account's last refusal: one index probe per account. Only refused attempts get an entry,
-- so the router's write-back pays for it only when an account refuses.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_execution_logs_account_refusals
    ON execution_logs (account, id) WHERE event = 'ATTEMPT' AND status = 'FAILED';
