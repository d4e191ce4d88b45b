DROP TRIGGER IF EXISTS execution_logs_count_attempts ON execution_logs;
DROP FUNCTION IF EXISTS switchyard_count_attempts();
DROP TABLE IF EXISTS switchyard_attempt_minutes;
