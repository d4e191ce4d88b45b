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

-- Creating the trigger locks out audit inserts until this migration commits, so the counts
-- below and the trigger's together count every row exactly once. Counting the existing rows
-- is an index-only scan of idx_execution_logs_attempts_created (migration 5): 11 s for
-- 30 million audit rows on a small machine, during which routers wait to write results.
CREATE OR REPLACE TRIGGER execution_logs_count_attempts
    AFTER INSERT ON execution_logs
    REFERENCING NEW TABLE AS new_attempts
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_count_attempts();

INSERT INTO switchyard_attempt_minutes (minute, shard, succeeded, failed)
SELECT date_trunc('minute', created_at), 0,
       count(*) FILTER (WHERE status = 'SUCCESS'), count(*) FILTER (WHERE status = 'FAILED')
FROM execution_logs
WHERE event = 'ATTEMPT' AND status IN ('SUCCESS', 'FAILED') AND created_at IS NOT NULL
GROUP BY 1
ORDER BY 1;  -- stored in time order, so an hour's minutes share a few pages
