-- Alert targets carry secrets (a chat webhook's URL is its credential; a command's arguments
-- may hold a token): only roles that may change rules, and the routers that deliver them, read
-- them (docs/operations.md, "Running live", "What is never shown").
--
-- 1. `switchyard_alert_rules_shown`: every rule with its target masked, the webhook as
--    `scheme://host[:port]/...` (never its user, path or query), the command as its program.
--    `alerts list`, `stats` and the dashboard read the rules here, whoever they are.
-- 2. Every role that may SELECT `switchyard_alert_rules` but may neither change rules (INSERT
--    or UPDATE on it) nor deliver messages (UPDATE on `switchyard_alert_deliveries`) keeps
--    SELECT on every column but `webhook_url` and `command`, and gets the view: an observer's
--    dashboard shows the rules as before, and `SELECT webhook_url` is refused. PUBLIC likewise.
--
-- No row is rewritten and nothing waits on a writer: a view, and privileges in the catalog.
SET LOCAL lock_timeout = '1s';

CREATE OR REPLACE VIEW switchyard_alert_rules_shown AS
SELECT r.id, r.name, r.condition, r.threshold, r.window_minutes, r.severity,
       CASE WHEN r.webhook_url IS NOT NULL THEN
           coalesce(lower(substring(r.webhook_url FROM '^([A-Za-z][A-Za-z0-9+.-]*)://')), '?') || '://'
           || coalesce(nullif(regexp_replace(coalesce(substring(r.webhook_url FROM '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)'), ''),
                                             '^.*@', ''), ''), '?')
           || CASE WHEN r.webhook_url ~ '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*@'
                     OR coalesce(substring(r.webhook_url FROM '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*(.*)$'), '') NOT IN ('', '/')
                   THEN '/...' ELSE '/' END
       END AS webhook_url,
       CASE WHEN r.command IS NOT NULL THEN
           split_part(btrim(r.command), ' ', 1) || CASE WHEN btrim(r.command) LIKE '% %' THEN ' ...' ELSE '' END
       END AS command,
       r.cooldown_seconds, r.quiet_start, r.quiet_end, r.time_zone, r.created_by, r.created_at, r.removed_by, r.removed_at
FROM switchyard_alert_rules r;

-- The columns of the rules any reader may SELECT: all but the targets (the down migration too).
CREATE OR REPLACE FUNCTION switchyard_alert_rules_untargeted_columns() RETURNS TEXT
LANGUAGE sql STABLE AS $f$
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum)
    FROM pg_attribute
    WHERE attrelid = 'switchyard_alert_rules'::regclass AND attnum > 0 AND NOT attisdropped
      AND attname NOT IN ('webhook_url', 'command')
$f$;

DO $$
DECLARE
    grantee OID;
    who TEXT;
BEGIN
    FOR grantee IN
        SELECT DISTINCT a.grantee
        FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.oid = 'switchyard_alert_rules'::regclass AND a.privilege_type = 'SELECT' AND a.grantee <> c.relowner
    LOOP
        IF grantee <> 0 AND (has_table_privilege(grantee, 'switchyard_alert_rules', 'INSERT, UPDATE')
                             OR has_table_privilege(grantee, 'switchyard_alert_deliveries', 'UPDATE')) THEN
            CONTINUE;
        END IF;
        who := CASE WHEN grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(grantee)) END;
        EXECUTE format('REVOKE SELECT ON switchyard_alert_rules FROM %s', who);
        EXECUTE format('GRANT SELECT (%s) ON switchyard_alert_rules TO %s', switchyard_alert_rules_untargeted_columns(), who);
        EXECUTE format('GRANT SELECT ON switchyard_alert_rules_shown TO %s', who);
    END LOOP;
END
$$;
