-- `switchyard archive`: the one way finished work leaves the hot tables (docs/operations.md,
-- "Archive"). Each month archived is a ledger row; its tasks are listed as members while the
-- archive is in progress. The audit trail stays append-only for every other path: a DELETE of
-- audit rows is allowed only inside a transaction that named a ledger row in state 'deleting'
-- (a transaction-local setting holding that row's id and this transaction's own id), and only
-- of audit rows of that row's member tasks, leaving with their task, each task with exactly
-- the rows archived.
--
-- Plain, short DDL: new tables, functions, and triggers replaced in place (no table rewrite, no
-- backfill). Replacing a trigger briefly locks out writers of its table; behind a long query it
-- gives up after 1 s instead of queueing them (run `migrate up` again).
SET LOCAL lock_timeout = '1s';

-- One row per month (and part: a month may be archived again once more of it is finished).
-- planned: members chosen, file not yet synced; deleting: file and manifest entry synced, rows
-- being removed in batches; done: the month's members are gone from the hot tables.
CREATE TABLE IF NOT EXISTS switchyard_archive_ledger (
    id BIGSERIAL PRIMARY KEY,
    month DATE NOT NULL CHECK (month = date_trunc('month', month)::date),
    part INTEGER NOT NULL CHECK (part >= 1),
    state TEXT NOT NULL DEFAULT 'planned' CHECK (state IN ('planned', 'deleting', 'done')),
    -- Finished before this instant (the database's clock) when the month was planned.
    cutoff TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    written_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    file TEXT,
    tasks BIGINT,
    logs BIGINT,
    bytes BIGINT,
    sha256 TEXT,
    UNIQUE (month, part),
    CHECK (state = 'planned' OR (file IS NOT NULL AND tasks IS NOT NULL AND logs IS NOT NULL
                                 AND bytes IS NOT NULL AND sha256 ~ '^[0-9a-f]{64}$' AND written_at IS NOT NULL)),
    CHECK ((state = 'done') = (finished_at IS NOT NULL))
);

-- The tasks of a month in progress, with how many audit rows each had when it was written. A task
-- is a member of one ledger row at most; members leave when their row is done.
CREATE TABLE IF NOT EXISTS switchyard_archive_members (
    ledger_id BIGINT NOT NULL REFERENCES switchyard_archive_ledger (id),
    task_id INTEGER NOT NULL,
    logs INTEGER NOT NULL,
    PRIMARY KEY (ledger_id, task_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_switchyard_archive_members_task ON switchyard_archive_members (task_id);

-- The ledger keeps every row; its state only moves forward, and a month's members are chosen
-- only while it is planned.
CREATE OR REPLACE FUNCTION switchyard_archive_ledger_forward() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state = 'done' OR (OLD.state = 'deleting' AND NEW.state = 'planned')
       OR NEW.month <> OLD.month OR NEW.part <> OLD.part
       OR (OLD.state <> 'planned' AND (NEW.sha256 IS DISTINCT FROM OLD.sha256 OR NEW.tasks IS DISTINCT FROM OLD.tasks
                                        OR NEW.logs IS DISTINCT FROM OLD.logs OR NEW.file IS DISTINCT FROM OLD.file)) THEN
        RAISE EXCEPTION 'archive ledger row % cannot go from % to %', OLD.id, OLD.state, NEW.state
            USING ERRCODE = 'P0001', HINT = 'A ledger row only moves forward: planned, deleting, done.';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER switchyard_archive_ledger_forward
    BEFORE UPDATE ON switchyard_archive_ledger
    FOR EACH ROW EXECUTE FUNCTION switchyard_archive_ledger_forward();
CREATE OR REPLACE TRIGGER switchyard_archive_ledger_append_only
    BEFORE DELETE ON switchyard_archive_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_reject_audit_change();
CREATE OR REPLACE TRIGGER switchyard_archive_ledger_no_truncate
    BEFORE TRUNCATE ON switchyard_archive_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_reject_audit_change();

CREATE OR REPLACE FUNCTION switchyard_archive_members_planned() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_members n JOIN switchyard_archive_ledger l ON l.id = n.ledger_id
               WHERE l.state <> 'planned') THEN
        RAISE EXCEPTION 'archive members are chosen only while their month is planned'
            USING ERRCODE = 'P0001', HINT = 'Run `switchyard archive`; it plans each month itself.';
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER switchyard_archive_members_planned
    AFTER INSERT ON switchyard_archive_members
    REFERENCING NEW TABLE AS new_members
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_archive_members_planned();

-- The ledger row a transaction may delete audit rows for: its setting
-- `switchyard.archive_ledger` must read '<ledger id>/<this transaction's id>' (set with
-- set_config(..., true), so it ends with the transaction; a session-wide SET of an old value
-- names another transaction and allows nothing), and that row must be in state 'deleting'.
CREATE OR REPLACE FUNCTION switchyard_archive_deleting_ledger() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    setting text := coalesce(current_setting('switchyard.archive_ledger', true), '');
    ledger bigint;
BEGIN
    IF setting !~ '^[0-9]{1,18}/[0-9]{1,20}$' OR split_part(setting, '/', 2) <> pg_current_xact_id()::text THEN
        RETURN NULL;
    END IF;
    ledger := split_part(setting, '/', 1)::bigint;
    PERFORM 1 FROM switchyard_archive_ledger WHERE id = ledger AND state = 'deleting';
    RETURN CASE WHEN FOUND THEN ledger END;
END
$$;

CREATE OR REPLACE FUNCTION switchyard_archive_check_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF switchyard_archive_deleting_ledger() IS NULL THEN
        RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'P0001',
                  HINT = 'The audit trail keeps every row; finished work leaves it only through `switchyard archive`.';
    END IF;
    RETURN NULL;
END
$$;

-- After the rows are gone (and before the statement ends): they left with their task (a DELETE
-- of the task, cascading), the task was a member of that ledger row, and it lost exactly the
-- audit rows it had when its file was written: a row added since is in no file, so the
-- statement fails instead.
CREATE OR REPLACE FUNCTION switchyard_archive_check_deleted_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ledger bigint := switchyard_archive_deleting_ledger();
    task integer;
BEGIN
    SELECT o.task_id INTO task
    FROM (SELECT task_id, count(*) AS n FROM old_logs GROUP BY task_id) AS o
    LEFT JOIN switchyard_archive_members m ON m.ledger_id = ledger AND m.task_id = o.task_id
    WHERE m.task_id IS NULL OR m.logs <> o.n OR EXISTS (SELECT 1 FROM execution_tasks t WHERE t.id = o.task_id)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'execution_logs is append-only: the audit rows of task #% may leave only with it, all at once, through archive %', task, ledger
            USING ERRCODE = 'P0001',
                  HINT = 'Only tasks written to an archive file leave, each with every audit row it had then.';
    END IF;
    RETURN NULL;
END
$$;

-- On the archive path, a task leaves only when its ledger row holds it (a task with no audit row
-- meets no check on execution_logs). Elsewhere tasks are as before.
CREATE OR REPLACE FUNCTION switchyard_archive_check_deleted_tasks() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ledger bigint := switchyard_archive_deleting_ledger();
    task integer;
BEGIN
    IF ledger IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT o.id INTO task FROM old_tasks o
    WHERE NOT EXISTS (SELECT 1 FROM switchyard_archive_members m WHERE m.ledger_id = ledger AND m.task_id = o.id)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'task #% is not in archive %: it cannot leave through it', task, ledger
            USING ERRCODE = 'P0001', HINT = 'Only tasks written to an archive file leave.';
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER execution_tasks_deleted_archived
    AFTER DELETE ON execution_tasks
    REFERENCING OLD TABLE AS old_tasks
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_archive_check_deleted_tasks();

-- UPDATE stays rejected, whoever asks; DELETE goes through the two checks above.
CREATE OR REPLACE TRIGGER execution_logs_append_only
    BEFORE UPDATE ON execution_logs
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_reject_audit_change();
CREATE OR REPLACE TRIGGER execution_logs_delete_only_archived
    BEFORE DELETE ON execution_logs
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_archive_check_delete();
CREATE OR REPLACE TRIGGER execution_logs_deleted_rows_archived
    AFTER DELETE ON execution_logs
    REFERENCING OLD TABLE AS old_logs
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_archive_check_deleted_rows();

-- A member task is frozen until its month is done: what its file holds is what leaves. Only an
-- update of a finished task calls the function (the router's updates of tasks in flight never do).
CREATE OR REPLACE FUNCTION switchyard_archive_freeze() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM switchyard_archive_members m WHERE m.task_id = OLD.id) THEN
        RAISE EXCEPTION 'task #% is being archived and cannot change', OLD.id
            USING ERRCODE = 'P0001', HINT = 'Wait for `switchyard archive` to finish (or run it again to finish it).';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER execution_tasks_archive_freeze
    BEFORE UPDATE ON execution_tasks
    FOR EACH ROW WHEN (OLD.status IN ('SUCCESS', 'FAILED', 'DEAD'))
    EXECUTE FUNCTION switchyard_archive_freeze();
