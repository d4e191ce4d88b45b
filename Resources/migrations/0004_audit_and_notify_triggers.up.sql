-- The audit trail is append-only: UPDATE, DELETE and TRUNCATE are rejected, whoever asks.
-- (Deleting a task would cascade to its logs, so tasks cannot be deleted either.)
CREATE OR REPLACE FUNCTION switchyard_reject_audit_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'P0001', HINT = 'The audit trail keeps every row; record a new event instead.';
END
$$;
CREATE OR REPLACE TRIGGER execution_logs_append_only
    BEFORE UPDATE OR DELETE ON execution_logs
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_reject_audit_change();
CREATE OR REPLACE TRIGGER execution_logs_no_truncate
    BEFORE TRUNCATE ON execution_logs
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_reject_audit_change();
CREATE OR REPLACE TRIGGER switchyard_control_log_append_only
    BEFORE UPDATE OR DELETE ON switchyard_control_log
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_reject_audit_change();
CREATE OR REPLACE TRIGGER switchyard_control_log_no_truncate
    BEFORE TRUNCATE ON switchyard_control_log
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_reject_audit_change();

-- Wake-ups, once per statement (never once per row).
CREATE OR REPLACE FUNCTION switchyard_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_ARGV[0], TG_TABLE_NAME);
    RETURN NULL;
END
$$;
-- New tasks, including plain INSERTs from the seed system: routers wake up.
CREATE OR REPLACE TRIGGER execution_tasks_notify_insert
    AFTER INSERT ON execution_tasks
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_notify('switchyard_tasks');
-- New audit rows: dashboards refresh.
CREATE OR REPLACE TRIGGER execution_logs_notify_insert
    AFTER INSERT ON execution_logs
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_notify('switchyard_activity');
-- Pause and resume: routers and dashboards react at once.
CREATE OR REPLACE TRIGGER switchyard_control_notify
    AFTER INSERT OR UPDATE ON switchyard_control
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_notify('switchyard_control');
