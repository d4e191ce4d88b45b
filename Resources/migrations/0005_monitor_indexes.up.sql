-- The dashboard's reads stay cheap at ten million tasks (docs/performance.md). Built
-- CONCURRENTLY: writers go on while each index is built.
--@ no transaction
-- Failed, dead and held lists, newest first, and exact per-status counts by index-only scans.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_execution_tasks_status_id ON execution_tasks (status, id);
-- Per-minute attempt rates for the last hour: an index-only scan of that hour's attempts.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_execution_logs_attempts_created
    ON execution_logs (created_at) INCLUDE (status) WHERE event = 'ATTEMPT';
