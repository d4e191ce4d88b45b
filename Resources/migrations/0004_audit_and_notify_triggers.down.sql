DROP TRIGGER IF EXISTS switchyard_control_notify ON switchyard_control;
DROP TRIGGER IF EXISTS execution_logs_notify_insert ON execution_logs;
DROP TRIGGER IF EXISTS execution_tasks_notify_insert ON execution_tasks;
DROP FUNCTION IF EXISTS switchyard_notify();
DROP TRIGGER IF EXISTS switchyard_control_log_no_truncate ON switchyard_control_log;
DROP TRIGGER IF EXISTS switchyard_control_log_append_only ON switchyard_control_log;
DROP TRIGGER IF EXISTS execution_logs_no_truncate ON execution_logs;
DROP TRIGGER IF EXISTS execution_logs_append_only ON execution_logs;
DROP FUNCTION IF EXISTS switchyard_reject_audit_change();
