-- Each task says which accounts it was routed to (`routed_accounts`: the accounts of its ATTEMPT
-- audit rows, sorted, no repeats), so a per-account observer's policy on the queue compares two
-- arrays instead of probing the task's audit rows (docs/performance.md, "The observer's
-- snapshot: routed accounts on the task"). Rows are the same as before for every role: a task is
-- an observer's once an attempt for one of its accounts exists.
--
-- Who keeps it: the router's write-back adds the accounts it writes attempts for in the same
-- UPDATE that finishes the task (no second row version), and says so for its transaction
-- (`switchyard.routed_accounts_written`); a statement trigger on the audit trail adds any
-- account still missing for every other writer (the seed system's, a router of the previous
-- build during an upgrade, SQL by hand). NULL means "not known": rows from before this migration
-- until the backfill reaches them. For those the policy still probes the audit rows, and the
-- trigger and the write-back compute the whole list from them. New rows start with '{}'
-- (routed nowhere yet).
--
-- Online (docs/pitfalls.md, "Online migrations"): three short transactions, each taking one
-- table's lock (the column, then the trigger, then the policy), then a backfill 5,000 tasks a
-- batch. The backfill and a concurrent writer cannot lose an account: the writer's trigger
-- fills a NULL row from the audit rows it can see (its own included), and a batch that finds
-- the row changed under it re-checks `routed_accounts IS NULL` and leaves it; a trigger that
-- finds a batch's row re-reads it and adds what is missing.
--@ transaction
ALTER TABLE execution_tasks ADD COLUMN IF NOT EXISTS routed_accounts TEXT[];
ALTER TABLE execution_tasks ALTER COLUMN routed_accounts SET DEFAULT '{}';
-- The list names every account a task went to, other observers' too: per-account observers may
-- read every other column (`switchyard observers grant` grants them so from now on), not this
-- one; their policy reads it regardless. A column added to execution_tasks later is granted to
-- them by the migration that adds it (docs/pitfalls.md).
DO $$
DECLARE
    r text;
    columns text;
BEGIN
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns FROM pg_attribute
    WHERE attrelid = 'execution_tasks'::regclass AND attnum > 0 AND NOT attisdropped AND attname <> 'routed_accounts';
    FOR r IN SELECT DISTINCT quote_ident(o.role_name) FROM switchyard_observers o JOIN pg_roles p ON p.rolname = o.role_name LOOP
        EXECUTE format('REVOKE SELECT ON execution_tasks FROM %s', r);
        EXECUTE format('GRANT SELECT (%s) ON execution_tasks TO %s', columns, r);
    END LOOP;
END
$$;

--@ transaction
-- What the column holds for a task, from its audit rows: the trigger and the router's write-back
-- (for a list not known yet) compute it with this one function; the backfill writes it out.
CREATE OR REPLACE FUNCTION switchyard_attempt_accounts(task integer) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT ARRAY(SELECT DISTINCT l.account FROM execution_logs AS l
                 WHERE l.task_id = task AND l.event = 'ATTEMPT' AND l.account IS NOT NULL ORDER BY 1)
$$;
CREATE OR REPLACE FUNCTION switchyard_note_routed_accounts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- The router's write-back wrote the lists itself, in the same statement.
    IF current_setting('switchyard.routed_accounts_written', true) = 'on' THEN
        RETURN NULL;
    END IF;
    UPDATE execution_tasks AS t
    SET routed_accounts = ARRAY(SELECT DISTINCT a
                                FROM unnest(coalesce(t.routed_accounts, switchyard_attempt_accounts(t.id)) || n.accounts) AS a
                                ORDER BY 1)
    FROM (SELECT task_id, array_agg(DISTINCT account ORDER BY account) AS accounts
          FROM new_rows WHERE event = 'ATTEMPT' AND account IS NOT NULL
          GROUP BY task_id) AS n
    WHERE t.id = n.task_id AND (t.routed_accounts IS NULL OR NOT t.routed_accounts @> n.accounts);
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER execution_logs_note_routed_accounts
    AFTER INSERT ON execution_logs
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_note_routed_accounts();

-- A per-account observer sees a task routed to one of its accounts: an array overlap with its
-- accounts (read once per statement); the probe of migration 14 only for rows not known yet.
-- For every other role the CASE never looks at either.
--@ transaction
DROP POLICY IF EXISTS switchyard_observer_tasks ON execution_tasks;
CREATE POLICY switchyard_observer_tasks ON execution_tasks FOR SELECT
    USING (CASE WHEN EXISTS (SELECT 1 FROM switchyard_observers o WHERE o.role_name = current_user)
                THEN CASE WHEN execution_tasks.routed_accounts IS NOT NULL
                          THEN execution_tasks.routed_accounts
                               && ARRAY(SELECT o.account FROM switchyard_observers o WHERE o.role_name = current_user)::text[]
                          ELSE EXISTS (SELECT 1 FROM execution_logs l
                                       WHERE l.task_id = execution_tasks.id AND l.event = 'ATTEMPT' OFFSET 0) END
                ELSE false END);

-- The tasks from before this migration, read by their keys first (MATERIALIZED, see
-- docs/pitfalls.md); each one's attempts by the task_id index. The list is
-- switchyard_attempt_accounts(t.id) written out: the planner cannot inline a function with a
-- subquery, and a call per row made this UPDATE some 10 % slower (200,000 tasks).
--@ backfill routed accounts over execution_tasks.id
WITH batch AS MATERIALIZED (SELECT id FROM execution_tasks WHERE id > $1 AND id <= $2 AND routed_accounts IS NULL)
UPDATE execution_tasks AS t
SET routed_accounts = ARRAY(SELECT DISTINCT l.account FROM execution_logs AS l
                            WHERE l.task_id = t.id AND l.event = 'ATTEMPT' AND l.account IS NOT NULL ORDER BY 1)
FROM batch
WHERE t.id = batch.id AND t.routed_accounts IS NULL;
