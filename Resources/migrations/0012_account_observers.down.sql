DROP POLICY IF EXISTS switchyard_observer_tasks ON execution_tasks;
DROP FUNCTION IF EXISTS switchyard_observed_task(integer);
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['execution_tasks', 'execution_logs', 'switchyard_attempt_minutes',
                             'switchyard_account_minutes', 'switchyard_open_positions', 'switchyard_account_positions'] LOOP
        EXECUTE format('DROP POLICY IF EXISTS switchyard_observer_accounts ON %I', t);
        EXECUTE format('DROP POLICY IF EXISTS switchyard_not_observer ON %I', t);
        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
    END LOOP;
END
$$;
-- Roles granted as observers keep their SELECT privileges; without the policies they would see
-- every row, so they lose them here (grant them again as whole-queue observers if wanted).
DO $$
DECLARE r text;
BEGIN
    FOR r IN SELECT DISTINCT role_name FROM switchyard_observers WHERE role_name IN (SELECT rolname FROM pg_roles) LOOP
        EXECUTE format('REVOKE SELECT ON execution_tasks, execution_logs, switchyard_attempt_minutes, '
                       'switchyard_account_minutes, switchyard_open_positions, switchyard_account_positions FROM %I', r);
    END LOOP;
END
$$;
DROP TABLE IF EXISTS switchyard_observers;
