SET LOCAL lock_timeout = '1s';
DROP TABLE IF EXISTS switchyard_database_identity;
DROP FUNCTION IF EXISTS switchyard_reject_identity_change();
