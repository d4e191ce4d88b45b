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
DROP TABLE IF EXISTS switchyard_account_rejection_minutes;
DROP TABLE IF EXISTS switchyard_alert_history;
DROP TABLE IF EXISTS switchyard_alert_deliveries;
DROP TABLE IF EXISTS switchyard_alert_episodes;
DROP TABLE IF EXISTS switchyard_alert_rules;
