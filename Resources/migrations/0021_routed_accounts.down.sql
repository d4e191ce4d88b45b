-- Back to migration 14's policy on the queue (the probe of the audit rows for every task), then
-- the trigger and the column go. Nothing is lost: the column is derived from the audit trail.
SET LOCAL lock_timeout = '1s';
DROP POLICY IF EXISTS switchyard_observer_tasks ON execution_tasks;
CREATE POLICY switchyard_observer_tasks ON execution_tasks FOR SELECT
    USING (CASE WHEN EXISTS (SELECT 1 FROM switchyard_observers o WHERE o.role_name = current_user)
                THEN EXISTS (SELECT 1 FROM execution_logs l WHERE l.task_id = execution_tasks.id AND l.event = 'ATTEMPT' OFFSET 0)
                ELSE false END);
DROP TRIGGER IF EXISTS execution_logs_note_routed_accounts ON execution_logs;
DROP FUNCTION IF EXISTS switchyard_note_routed_accounts();
DROP FUNCTION IF EXISTS switchyard_attempt_accounts(integer);
ALTER TABLE execution_tasks DROP COLUMN IF EXISTS routed_accounts;
-- Per-account observers read the whole table again, as before migration 21.
DO $$
DECLARE r text;
BEGIN
    FOR r IN SELECT DISTINCT quote_ident(o.role_name) FROM switchyard_observers o JOIN pg_roles p ON p.rolname = o.role_name LOOP
        EXECUTE format('GRANT SELECT ON execution_tasks TO %s', r);
    END LOOP;
END
$$;
