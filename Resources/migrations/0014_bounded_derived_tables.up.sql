-- Bounded derived tables (docs/operations.md, "Growth"): routers roll the per-minute counts up
-- into hours and prune them, and prune delivered alert messages and old schedule runs
-- (`DerivedTablePruner`). One refusal counter per account instead of two. And a per-account
-- observer's policy on the queue that costs a fraction of the old one.
--
-- Online: nothing here touches a row of execution_tasks or execution_logs, and nothing is
-- backfilled. Replacing the attempt trigger's function, the policy on the queue and dropping
-- the rejection table wait at most 1 s for a lock (a write-back in flight holds them);
-- then the migration gives up and `migrate up` can simply be run again. The rejection table is
-- dropped last: a write-back that starts the old function during this transaction waits for
-- the drop's lock, so that lock is held for as short a time as possible.
SET LOCAL lock_timeout = '1s';

-- One per-account refusal counter: switchyard_account_minutes.refused (migration 11) serves the
-- dashboard and the alerts' "account refusing" condition alike, so the attempt trigger of
-- migration 6 stops writing switchyard_account_rejection_minutes (one upsert fewer per
-- write-back) and goes back to counting attempts only.
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

-- Minutes older than the routers' window (48 h by default) are added into their hour here and
-- removed, in one statement per batch, so every count is in exactly one of the two tables.
-- `hour` is date_trunc('hour', minute): server-local TIMESTAMP, like the minutes. No shard: only
-- the roll-up writes these rows, a few times an hour.
CREATE TABLE switchyard_attempt_hours (
    hour TIMESTAMP NOT NULL PRIMARY KEY,
    succeeded BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE switchyard_account_hours (
    hour TIMESTAMP NOT NULL,
    account TEXT NOT NULL,
    accepted BIGINT NOT NULL DEFAULT 0,
    refused BIGINT NOT NULL DEFAULT 0,
    latency_ms_sum BIGINT NOT NULL DEFAULT 0,
    latency_count BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, account)
);

-- Row-level security as on the minutes (migration 12): other roles see every row; a
-- per-account observer sees its accounts' hours and none of the whole-queue ones.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['switchyard_attempt_hours', 'switchyard_account_hours'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY switchyard_not_observer ON %I
            USING (NOT EXISTS (SELECT 1 FROM switchyard_observers o WHERE o.role_name = current_user))
            WITH CHECK (NOT EXISTS (SELECT 1 FROM switchyard_observers o WHERE o.role_name = current_user))$p$, t);
    END LOOP;
    EXECUTE $p$CREATE POLICY switchyard_observer_accounts ON switchyard_account_hours FOR SELECT
        USING (CASE WHEN EXISTS (SELECT 1 FROM switchyard_observers o WHERE o.role_name = current_user)
                    THEN account IN (SELECT o.account FROM switchyard_observers o WHERE o.role_name = current_user)
                    ELSE false END)$p$;
END
$$;
-- Observers granted before this migration read the hours as they read the minutes.
DO $$
DECLARE r text;
BEGIN
    FOR r IN SELECT DISTINCT role_name FROM switchyard_observers WHERE role_name IN (SELECT rolname FROM pg_roles) LOOP
        EXECUTE format('GRANT SELECT ON switchyard_attempt_hours, switchyard_account_hours TO %I', r);
    END LOOP;
END
$$;

-- Delivered alert messages are pruned; the history keeps each delivery's id and what happened
-- to it (append-only, as before), so the id no longer has to name a row that still exists.
ALTER TABLE switchyard_alert_history DROP CONSTRAINT IF EXISTS switchyard_alert_history_delivery_id_fkey;
CREATE INDEX switchyard_alert_deliveries_delivered ON switchyard_alert_deliveries (delivered_at)
    WHERE delivered_at IS NOT NULL;

-- Schedule runs stay append-only for every change but the pruning of old ones: UPDATE is still
-- rejected, and DELETE only of a run recorded more than a day ago (a run's row is what makes it
-- enqueue once; a schedule never looks a day back for runs to enqueue). The schedule's audit
-- trail (switchyard_schedule_log) keeps everything.
CREATE OR REPLACE FUNCTION switchyard_reject_recent_run_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.created_at > now() - interval '1 day' THEN
        RAISE EXCEPTION 'switchyard_schedule_runs keeps every run for a day: run of % at % is too recent to delete',
            OLD.schedule_id, OLD.run_at
            USING ERRCODE = 'P0001', HINT = 'Routers prune runs older than their retention (at least 1 day).';
    END IF;
    RETURN OLD;
END
$$;
DROP TRIGGER IF EXISTS switchyard_schedule_runs_append_only ON switchyard_schedule_runs;
CREATE TRIGGER switchyard_schedule_runs_append_only
    BEFORE UPDATE ON switchyard_schedule_runs
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_reject_audit_change();
CREATE TRIGGER switchyard_schedule_runs_keep_recent
    BEFORE DELETE ON switchyard_schedule_runs
    FOR EACH ROW EXECUTE FUNCTION switchyard_reject_recent_run_delete();
CREATE INDEX switchyard_schedule_runs_created ON switchyard_schedule_runs (created_at);

-- A per-account observer's view of the queue (migration 12), the same rows for less: a task is
-- its own once an attempt for one of its accounts exists, found by a probe of the task's audit
-- rows written into the policy itself, instead of a call of switchyard_observed_task() per task
-- (a PL/pgSQL call whose query paid the audit rows' policies again on every call): 3 to 4
-- times cheaper a task (docs/performance.md). The probe reads execution_logs under that table's
-- own policy, which shows an observer only its accounts' rows: that is the account filter.
-- The correlation (task_id) is its only index condition, and OFFSET 0 keeps it a per-row
-- subplan that stops at the first row: without it the planner may turn the EXISTS into a hash
-- of every task id of the observer's accounts, built per statement. For every other role the
-- CASE never runs it. Changing a policy takes a brief ACCESS EXCLUSIVE lock on execution_tasks:
-- waited for at most 1 s (see the top).
DROP POLICY IF EXISTS switchyard_observer_tasks ON execution_tasks;
CREATE POLICY switchyard_observer_tasks ON execution_tasks FOR SELECT
    USING (CASE WHEN EXISTS (SELECT 1 FROM switchyard_observers o WHERE o.role_name = current_user)
                THEN EXISTS (SELECT 1 FROM execution_logs l WHERE l.task_id = execution_tasks.id AND l.event = 'ATTEMPT' OFFSET 0)
                ELSE false END);
DROP FUNCTION IF EXISTS switchyard_observed_task(integer);

-- Last (see the top): the alerts' own refusal counter, now unused.
DROP TABLE IF EXISTS switchyard_account_rejection_minutes;
