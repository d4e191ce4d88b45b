-- Per-account observers on PostgreSQL's row-level security (docs/operations.md). A role listed
-- here sees only the tasks routed to its accounts (a task is routed to an account once an
-- attempt for it exists) and those accounts' audit rows and figures. Every other role sees and
-- does what it did before: the owner of the tables and superusers bypass row-level security
-- (it is enabled, not forced), and other roles pass the "not an observer" policy, an
-- uncorrelated subquery planned once per statement.
CREATE TABLE switchyard_observers (
    role_name TEXT NOT NULL,
    account TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (role_name, account)
);
-- Every role may ask which accounts it observes, and sees only its own rows.
ALTER TABLE switchyard_observers ENABLE ROW LEVEL SECURITY;
CREATE POLICY switchyard_observers_own ON switchyard_observers FOR SELECT USING (role_name = current_user);
GRANT SELECT ON switchyard_observers TO PUBLIC;

-- Every other role (operators, routers that are not the owner): every row, every command, as
-- before. Policies name switchyard_observers itself (resolved when they are created), never
-- through search_path, so a temporary table of that name cannot stand in for it.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['execution_tasks', 'execution_logs', 'switchyard_attempt_minutes',
                             'switchyard_account_minutes', 'switchyard_open_positions', 'switchyard_account_positions'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY switchyard_not_observer ON %I
            USING (NOT EXISTS (SELECT 1 FROM switchyard_observers o WHERE o.role_name = current_user))
            WITH CHECK (NOT EXISTS (SELECT 1 FROM switchyard_observers o WHERE o.role_name = current_user))$p$, t);
    END LOOP;
    -- An observer reads the rows of its accounts (the whole-queue attempt counts are not its own).
    FOREACH t IN ARRAY ARRAY['execution_logs', 'switchyard_account_minutes', 'switchyard_open_positions',
                             'switchyard_account_positions'] LOOP
        EXECUTE format($p$CREATE POLICY switchyard_observer_accounts ON %I FOR SELECT
            USING (CASE WHEN EXISTS (SELECT 1 FROM switchyard_observers o WHERE o.role_name = current_user)
                        THEN account IN (SELECT o.account FROM switchyard_observers o WHERE o.role_name = current_user)
                        ELSE false END)$p$, t);
    END LOOP;
END
$$;
-- ... and the tasks routed to them: a task is routed to an account once an attempt for it
-- exists (the audit rows read here are themselves limited to the observer's accounts). One
-- index probe per task, in a function so the planner cannot turn it into a hash of every such
-- task id built for each statement; and only for an observer: for every other role the CASE
-- never calls it, so their statements keep their plans (HotStatementPlanTests).
CREATE FUNCTION switchyard_observed_task(task integer) RETURNS boolean
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
CREATE POLICY switchyard_observer_tasks ON execution_tasks FOR SELECT
    USING (CASE WHEN EXISTS (SELECT 1 FROM switchyard_observers o WHERE o.role_name = current_user)
                THEN switchyard_observed_task(id) ELSE false END);
