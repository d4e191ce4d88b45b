DROP INDEX IF EXISTS idx_execution_logs_one_acceptance;
DROP INDEX IF EXISTS idx_execution_logs_created;
DROP INDEX IF EXISTS idx_execution_tasks_trade;
DROP INDEX IF EXISTS idx_execution_tasks_lease;
DROP INDEX IF EXISTS idx_execution_tasks_claimable;
ALTER TABLE execution_logs
    DROP COLUMN IF EXISTS duration_ms,
    DROP COLUMN IF EXISTS router_id,
    DROP COLUMN IF EXISTS actor,
    DROP COLUMN IF EXISTS account,
    DROP COLUMN IF EXISTS event;
ALTER TABLE execution_tasks
    DROP COLUMN IF EXISTS dead_lettered_at,
    DROP COLUMN IF EXISTS dead_letter_reason,
    DROP COLUMN IF EXISTS finished_at,
    DROP COLUMN IF EXISTS locked_until,
    DROP COLUMN IF EXISTS locked_by,
    DROP COLUMN IF EXISTS available_at,
    DROP COLUMN IF EXISTS max_attempts;
