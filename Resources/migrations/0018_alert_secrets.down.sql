-- Back to migration 17: every role that reads the rules' columns without their targets reads
-- the whole table again (as before 18), and the masked view goes.
SET LOCAL lock_timeout = '1s';

DO $$
DECLARE
    grantee OID;
    who TEXT;
BEGIN
    FOR grantee IN
        SELECT DISTINCT a.grantee
        FROM pg_attribute att, aclexplode(att.attacl) a
        WHERE att.attrelid = 'switchyard_alert_rules'::regclass AND att.attname = 'name' AND a.privilege_type = 'SELECT'
    LOOP
        who := CASE WHEN grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(grantee)) END;
        EXECUTE format('REVOKE SELECT (%s) ON switchyard_alert_rules FROM %s', switchyard_alert_rules_untargeted_columns(), who);
        EXECUTE format('GRANT SELECT ON switchyard_alert_rules TO %s', who);
    END LOOP;
END
$$;

DROP VIEW IF EXISTS switchyard_alert_rules_shown;
DROP FUNCTION IF EXISTS switchyard_alert_rules_untargeted_columns();
