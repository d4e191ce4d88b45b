-- Attempts per minute, kept as audit rows arrive, so the dashboard's hour of rates reads about
-- sixty small rows instead of every attempt of the hour (some 40,000 at ten million tasks;
-- docs/performance.md). The audit trail is append-only, so the counts only ever grow.
--
-- `minute` is date_trunc('minute', execution_logs.created_at): server-local TIMESTAMP, like the
-- column it counts. `shard` spreads concurrent writers over several rows of one minute (by
-- backend pid), so routers finishing batches at the same time do not queue on one row lock;
-- readers add the shards up.
CREATE TABLE switchyard_attempt_minutes (
    minute TIMESTAMP NOT NULL,
    shard SMALLINT NOT NULL,
    succeeded BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, shard)
);

-- Once per INSERT statement (routers write a batch's audit rows in one), never once per row.
-- Only finished attempts count, as the dashboard's raw query counts them.
CREATE OR REPLACE FUNCTION switchyard_count_attempts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO switchyard_attempt_minutes AS m (minute, shard, succeeded, failed)
    SELECT date_trunc('minute', created_at), pg_backend_pid() % 8,
           count(*) FILTER (WHERE status = 'SUCCESS'), count(*) FILTER (WHERE status = 'FAILED')
    FROM new_attempts
    WHERE event = 'ATTEMPT' AND status IN ('SUCCESS', 'FAILED') AND created_at IS NOT NULL
    GROUP BY 1
    ON CONFLICT (minute, shard) DO UPDATE
        SET succeeded = m.succeeded + excluded.succeeded, failed = m.failed + excluded.failed;
    RETURN NULL;
END
$$;

-- Creating the trigger waits for audit inserts in flight and holds new ones only until this
-- step commits: every audit row written after it is counted by the trigger, every row before
-- it by the backfill below, whose range ends at the highest id when this step commits.
CREATE OR REPLACE TRIGGER execution_logs_count_attempts
    AFTER INSERT ON execution_logs
    REFERENCING NEW TABLE AS new_attempts
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_count_attempts();

-- The existing rows, a few thousand ids a batch, each batch its own short transaction (counting
-- them in one took 11 s for 30 million audit rows, with routers waiting to write results). Rows
-- of one minute counted by two batches add up in shard 0. The batch's rows are read by their
-- ids first (MATERIALIZED), so the planner never walks a whole index of another column instead.
--@ backfill attempt minutes over execution_logs.id
WITH batch AS MATERIALIZED (SELECT created_at, status, event FROM execution_logs WHERE id > $1 AND id <= $2)
INSERT INTO switchyard_attempt_minutes AS m (minute, shard, succeeded, failed)
SELECT date_trunc('minute', created_at), 0,
       count(*) FILTER (WHERE status = 'SUCCESS'), count(*) FILTER (WHERE status = 'FAILED')
FROM batch
WHERE event = 'ATTEMPT' AND status IN ('SUCCESS', 'FAILED') AND created_at IS NOT NULL
GROUP BY 1
ORDER BY 1
ON CONFLICT (minute, shard) DO UPDATE
    SET succeeded = m.succeeded + excluded.succeeded, failed = m.failed + excluded.failed;
