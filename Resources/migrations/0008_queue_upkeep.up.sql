-- Less work per task on the server, and a busy queue vacuumed and analyzed often
-- (docs/router.md, "What each statement costs").

-- Indexes are dropped CONCURRENTLY (a plain DROP INDEX takes the table's ACCESS EXCLUSIVE lock).
--@ no transaction
-- The rescuer finds RUNNING tasks through idx_execution_tasks_status_id (status, id): only the
-- tasks in flight are RUNNING, a few thousand at most, each checked for an ended lease. The
-- partial lease index cost every claim an index entry, and indexed the column the heartbeat
-- changes every two seconds, which kept the lease extension from being a HOT update.
DROP INDEX CONCURRENTLY IF EXISTS idx_execution_tasks_lease;

-- The dashboard pages audit rows by id (the primary key) and counts attempts through
-- idx_execution_logs_attempts_created; (created_at, id) served no query on a migrated database
-- and cost every audit row an index entry.
DROP INDEX CONCURRENTLY IF EXISTS idx_execution_logs_created;

-- Storage settings take a SHARE UPDATE EXCLUSIVE lock, which writers do not wait for.
--@ transaction

-- Room on each page for HOT updates, those that change no indexed column: the heartbeat's lease
-- extension. (A status change is never HOT: status is indexed, as the dashboard needs.)
ALTER TABLE execution_tasks SET (fillfactor = 90);

-- By default autovacuum waits until a fifth of a table changed, and analyzes after a tenth: on a
-- queue of millions of finished tasks that is hours of a busy day with statistics that still say
-- "nothing is RUNNING". Here a hundredth (or a thousand rows) is enough, and vacuum does not
-- throttle itself as long. The hot statements keep their good plans without fresh statistics
-- anyway (a test plans them on a table never analyzed); this keeps the dashboard's estimates and
-- the indexes' dead entries in check.
ALTER TABLE execution_tasks SET (
    autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_vacuum_insert_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.01, autovacuum_analyze_threshold = 1000,
    autovacuum_vacuum_cost_delay = 1);
-- The audit trail only grows: vacuum it for its visibility map (index-only scans), analyze it
-- for the planner.
ALTER TABLE execution_logs SET (
    autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_vacuum_insert_threshold = 10000,
    autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 10000);
