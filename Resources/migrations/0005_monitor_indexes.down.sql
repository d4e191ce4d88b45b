DROP INDEX IF EXISTS idx_execution_logs_attempts_created;
DROP INDEX IF EXISTS idx_execution_tasks_status_id;
