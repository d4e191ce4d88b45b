-- The per-account alert condition is named for what it counts: `account_refusals_over` (the
-- counter is switchyard_account_minutes.refused since migration 14). Rules stored under the old
-- name, `account_rejections_over`, are left as they are and read under either name by this
-- build: the routers of the previous build, still running while a cluster is upgraded
-- (migrate first, routers after), read only the old name and would stop evaluating a rule
-- rewritten under them. The rules table accepts both names, so either build may add a rule.
--
-- Online: switchyard_alert_rules holds a handful of rows and no queue table is touched. The
-- checks are swapped in one short transaction (under the Migrator's lock timeout) and validated
-- after it, without blocking anyone. They are found by what they say, not by name: the name of
-- the table check was given by the server, in the order migration 9's text listed them.
--@ transaction
DO $$
DECLARE c text;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint
             WHERE conrelid = 'switchyard_alert_rules'::regclass AND contype = 'c'
               AND pg_get_constraintdef(oid) LIKE '%account_rejections_over%' LOOP
        EXECUTE format('ALTER TABLE switchyard_alert_rules DROP CONSTRAINT %I', c);
    END LOOP;
END
$$;
ALTER TABLE switchyard_alert_rules
    ADD CONSTRAINT switchyard_alert_rules_condition_check
        CHECK (condition IN ('failed_over', 'dead_over', 'lag_over', 'no_router_for', 'failure_rate_over',
                             'account_refusals_over', 'account_rejections_over')) NOT VALID,
    ADD CONSTRAINT switchyard_alert_rules_window_check
        CHECK ((window_minutes IS NOT NULL)
               = (condition IN ('failure_rate_over', 'account_refusals_over', 'account_rejections_over'))) NOT VALID;
--@ no transaction
ALTER TABLE switchyard_alert_rules VALIDATE CONSTRAINT switchyard_alert_rules_condition_check;
ALTER TABLE switchyard_alert_rules VALIDATE CONSTRAINT switchyard_alert_rules_window_check;
