ALTER TABLE execution_logs RESET (
    autovacuum_vacuum_insert_scale_factor, autovacuum_vacuum_insert_threshold,
    autovacuum_analyze_scale_factor, autovacuum_analyze_threshold);
ALTER TABLE execution_tasks RESET (
    autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold,
    autovacuum_vacuum_insert_scale_factor, autovacuum_vacuum_insert_threshold,
    autovacuum_analyze_scale_factor, autovacuum_analyze_threshold,
    autovacuum_vacuum_cost_delay, fillfactor);
CREATE INDEX IF NOT EXISTS idx_execution_logs_created ON execution_logs (created_at, id);
CREATE INDEX IF NOT EXISTS idx_execution_tasks_lease ON execution_tasks (locked_until) WHERE status = 'RUNNING';
