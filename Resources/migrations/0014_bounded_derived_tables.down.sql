SET LOCAL lock_timeout = '1s';
-- The observer's policy on the queue as migration 12 wrote it: a function call per task.
CREATE OR REPLACE FUNCTION switchyard_observed_task(task integer) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM execution_logs l
                   WHERE l.task_id = task AND l.event = 'ATTEMPT'
                     AND l.account IN (SELECT o.account FROM switchyard_observers o WHERE o.role_name = current_user));
END
$$;
DO $$ BEGIN
    EXECUTE format('ALTER FUNCTION switchyard_observed_task(integer) SET search_path = %I, pg_temp', current_schema());
END $$;
DROP POLICY IF EXISTS switchyard_observer_tasks ON execution_tasks;
CREATE POLICY switchyard_observer_tasks ON execution_tasks FOR SELECT
    USING (CASE WHEN EXISTS (SELECT 1 FROM switchyard_observers o WHERE o.role_name = current_user)
                THEN switchyard_observed_task(id) ELSE false END);

DROP INDEX IF EXISTS switchyard_schedule_runs_created;
DROP TRIGGER IF EXISTS switchyard_schedule_runs_keep_recent ON switchyard_schedule_runs;
DROP FUNCTION IF EXISTS switchyard_reject_recent_run_delete();
CREATE OR REPLACE TRIGGER switchyard_schedule_runs_append_only
    BEFORE UPDATE OR DELETE ON switchyard_schedule_runs
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_reject_audit_change();

DROP INDEX IF EXISTS switchyard_alert_deliveries_delivered;
-- Not validated: the history may name deliveries pruned while this migration was applied.
ALTER TABLE switchyard_alert_history DROP CONSTRAINT IF EXISTS switchyard_alert_history_delivery_id_fkey;
ALTER TABLE switchyard_alert_history ADD CONSTRAINT switchyard_alert_history_delivery_id_fkey
    FOREIGN KEY (delivery_id) REFERENCES switchyard_alert_deliveries (id) NOT VALID;

DROP TABLE IF EXISTS switchyard_account_hours;
DROP TABLE IF EXISTS switchyard_attempt_hours;

-- The alerts' own refusal counter again (migration 9), filled from the dashboard's (the same
-- rows counted the same way; a small derived table), and the trigger that keeps it.
CREATE TABLE IF NOT EXISTS switchyard_account_rejection_minutes (
    minute TIMESTAMP NOT NULL,
    account TEXT NOT NULL,
    shard SMALLINT NOT NULL,
    rejected BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, account, shard)
);
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
    INSERT INTO switchyard_account_rejection_minutes AS r (minute, account, shard, rejected)
    SELECT date_trunc('minute', created_at), account, pg_backend_pid() % 8, count(*)
    FROM new_attempts
    WHERE event = 'ATTEMPT' AND status = 'FAILED' AND account IS NOT NULL AND created_at IS NOT NULL
    GROUP BY 1, 2
    ON CONFLICT (minute, account, shard) DO UPDATE SET rejected = r.rejected + excluded.rejected;
    RETURN NULL;
END
$$;
-- The function above counts every audit insert that commits after this migration; the copy
-- below holds every one committed before it (both wait for the lock on the minutes' rows).
LOCK TABLE switchyard_account_minutes IN SHARE MODE;
INSERT INTO switchyard_account_rejection_minutes (minute, account, shard, rejected)
SELECT minute, account, shard, refused FROM switchyard_account_minutes WHERE refused > 0
ON CONFLICT (minute, account, shard) DO UPDATE SET rejected = excluded.rejected;
