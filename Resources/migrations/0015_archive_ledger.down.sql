SET LOCAL lock_timeout = '1s';
DROP TRIGGER IF EXISTS execution_tasks_archive_freeze ON execution_tasks;
DROP TRIGGER IF EXISTS execution_tasks_deleted_archived ON execution_tasks;
DROP TRIGGER IF EXISTS execution_logs_deleted_rows_archived ON execution_logs;
DROP TRIGGER IF EXISTS execution_logs_delete_only_archived ON execution_logs;
-- Back to migration 4's rule: UPDATE and DELETE rejected, whoever asks.
CREATE OR REPLACE TRIGGER execution_logs_append_only
    BEFORE UPDATE OR DELETE ON execution_logs
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_reject_audit_change();
DROP FUNCTION IF EXISTS switchyard_archive_freeze();
DROP FUNCTION IF EXISTS switchyard_archive_check_deleted_rows();
DROP FUNCTION IF EXISTS switchyard_archive_check_deleted_tasks();
DROP FUNCTION IF EXISTS switchyard_archive_check_delete();
DROP FUNCTION IF EXISTS switchyard_archive_deleting_ledger();
DROP TABLE IF EXISTS switchyard_archive_members;
DROP TABLE IF EXISTS switchyard_archive_ledger;
DROP FUNCTION IF EXISTS switchyard_archive_members_planned();
DROP FUNCTION IF EXISTS switchyard_archive_ledger_forward();
