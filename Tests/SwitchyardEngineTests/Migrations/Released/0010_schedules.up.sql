-- Time: schedules that enqueue one task per run, for the whole cluster (docs/router.md, "Time").
-- A task that waits for its time is PENDING with available_at in the future (shown as SCHEDULED):
-- the claim already skips it (available_at <= now()), so the claim and its index are unchanged.

-- One row per schedule. Nothing is deleted: remove sets removed_at.
CREATE TABLE IF NOT EXISTS switchyard_schedules (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    every_ms BIGINT CHECK (every_ms IS NULL OR every_ms >= 1000),
    cron TEXT,
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    event_type VARCHAR(32) NOT NULL,
    payload JSONB NOT NULL,
    max_attempts INTEGER NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    catch_up TEXT NOT NULL DEFAULT 'latest' CHECK (catch_up IN ('all', 'latest', 'none')),
    paused BOOLEAN NOT NULL DEFAULT false,
    -- The next run not yet enqueued (or skipped), on the database's clock.
    next_run_at TIMESTAMPTZ NOT NULL,
    last_run_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    removed_at TIMESTAMPTZ,
    CHECK ((every_ms IS NULL) <> (cron IS NULL))
);
-- A name belongs to one schedule at a time; a removed schedule's name may be taken again.
CREATE UNIQUE INDEX IF NOT EXISTS idx_switchyard_schedules_name
    ON switchyard_schedules (name) WHERE removed_at IS NULL;
-- The schedulers' one hot read: schedules due next, active only.
CREATE INDEX IF NOT EXISTS idx_switchyard_schedules_due
    ON switchyard_schedules (next_run_at) WHERE removed_at IS NULL AND NOT paused;

-- Every run of every schedule: enqueued, missed (skipped by the catch-up policy), or asked for
-- with run-now. The primary key is what makes a run enqueue once however many routers try.
CREATE TABLE IF NOT EXISTS switchyard_schedule_runs (
    schedule_id BIGINT NOT NULL REFERENCES switchyard_schedules (id),
    run_at TIMESTAMPTZ NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('ENQUEUED', 'MISSED', 'RUN_NOW')),
    router_id TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (schedule_id, run_at)
);

-- The tasks a schedule enqueued, for its figures (successes, errors, average execution time).
-- Nullable, no default: adding it rewrites nothing, and the partial index holds scheduled tasks only.
ALTER TABLE execution_tasks ADD COLUMN IF NOT EXISTS schedule_id BIGINT;
CREATE INDEX IF NOT EXISTS idx_execution_tasks_schedule
    ON execution_tasks (schedule_id, id) WHERE schedule_id IS NOT NULL;

-- When a scheduler last looked, cluster-wide: a long silence means no router was alive, and runs
-- that fell due in it are missed runs for the catch-up policy.
CREATE TABLE IF NOT EXISTS switchyard_scheduler_clock (
    id INTEGER PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    stepped_at TIMESTAMPTZ
);
INSERT INTO switchyard_scheduler_clock (id) VALUES (1) ON CONFLICT (id) DO NOTHING;

-- The audit trail of schedules: add, change, pause, resume, run-now, remove, missed runs.
CREATE TABLE IF NOT EXISTS switchyard_schedule_log (
    id BIGSERIAL PRIMARY KEY,
    schedule_id BIGINT NOT NULL REFERENCES switchyard_schedules (id),
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    detail TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_switchyard_schedule_log_schedule ON switchyard_schedule_log (schedule_id, id);
CREATE OR REPLACE TRIGGER switchyard_schedule_log_append_only
    BEFORE UPDATE OR DELETE ON switchyard_schedule_log
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_reject_audit_change();
CREATE OR REPLACE TRIGGER switchyard_schedule_log_no_truncate
    BEFORE TRUNCATE ON switchyard_schedule_log
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_reject_audit_change();
CREATE OR REPLACE TRIGGER switchyard_schedule_runs_append_only
    BEFORE UPDATE OR DELETE ON switchyard_schedule_runs
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_reject_audit_change();

-- Schedule changes (and each run moving a schedule on) refresh the dashboards at once. Schedulers
-- do not wait for this: they look at least once a second.
CREATE OR REPLACE TRIGGER switchyard_schedules_notify
    AFTER INSERT OR UPDATE ON switchyard_schedules
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_notify('switchyard_control');
