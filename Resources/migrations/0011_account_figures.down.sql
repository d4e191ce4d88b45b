DROP TRIGGER IF EXISTS execution_logs_count_account_attempts ON execution_logs;
DROP FUNCTION IF EXISTS switchyard_count_account_attempts();
DROP INDEX IF EXISTS idx_execution_logs_account_refusals;
DROP TABLE IF EXISTS switchyard_open_positions;
DROP TABLE IF EXISTS switchyard_account_positions;
DROP TABLE IF EXISTS switchyard_account_minutes;
ALTER TABLE execution_logs DROP COLUMN IF EXISTS contracts;
