-- Two small changes, both online.
--
-- 1. The per-account alert condition is named for what it counts: `account_refusals_over` (the
-- counter is switchyard_account_minutes.refused since migration 14). Rules stored under the old
-- name, `account_rejections_over`, are left as they are and read under either name by this
-- build: the routers of the previous build, still running while a cluster is upgraded
-- (migrate first, routers after), read only the old name and would stop evaluating a rule
-- rewritten under them. The rules table accepts both names, so either build may add a rule.
--
-- 2. An archive part may be superseded (docs/operations.md, "Archive"): when audit rows arrive
-- for tasks of a month whose file is written and whose rows are leaving, the part is not
-- finished with rows its file lacks. A new part of the month takes over its tasks still in the
-- database (`supersedes` names the part it replaces) and its file holds the whole part as it
-- leaves: the rows already deleted, copied from the old file, and the rest with the late rows.
-- The old part ends `superseded`; its file stays, marked so in the manifest.
--
-- Online: switchyard_alert_rules and the archive ledger hold a handful of rows each, and no
-- queue table is touched. The checks are swapped in one short transaction (under the Migrator's
-- lock timeout) and validated after it, without blocking anyone. The alert checks are found by
-- what they say, not by name: the name of the table check was given by the server, in the
-- order migration 9's text listed them.
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

ALTER TABLE switchyard_archive_ledger
    ADD COLUMN IF NOT EXISTS supersedes BIGINT REFERENCES switchyard_archive_ledger (id),
    DROP CONSTRAINT IF EXISTS switchyard_archive_ledger_state_check,
    DROP CONSTRAINT IF EXISTS switchyard_archive_ledger_check1,
    ADD CONSTRAINT switchyard_archive_ledger_state_check
        CHECK (state IN ('planned', 'deleting', 'done', 'superseded')) NOT VALID,
    ADD CONSTRAINT switchyard_archive_ledger_finished_check
        CHECK ((state IN ('done', 'superseded')) = (finished_at IS NOT NULL)) NOT VALID;
-- A part is superseded once at most.
CREATE UNIQUE INDEX IF NOT EXISTS switchyard_archive_ledger_supersedes ON switchyard_archive_ledger (supersedes);

-- The ledger's rule (migration 15) with the new state: only a part whose rows are leaving
-- (deleting) may be superseded, only by a part that names it, and a superseded part is as
-- final as a done one. Which part a part supersedes is fixed when it is planned.
CREATE OR REPLACE FUNCTION switchyard_archive_ledger_forward() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state IN ('done', 'superseded') OR (OLD.state = 'deleting' AND NEW.state = 'planned')
       OR (NEW.state = 'superseded' AND (OLD.state <> 'deleting' OR NOT EXISTS (
               SELECT 1 FROM switchyard_archive_ledger s WHERE s.supersedes = OLD.id)))
       OR NEW.month <> OLD.month OR NEW.part <> OLD.part OR NEW.supersedes IS DISTINCT FROM OLD.supersedes
       OR (OLD.state <> 'planned' AND (NEW.sha256 IS DISTINCT FROM OLD.sha256 OR NEW.tasks IS DISTINCT FROM OLD.tasks
                                        OR NEW.logs IS DISTINCT FROM OLD.logs OR NEW.file IS DISTINCT FROM OLD.file)) THEN
        RAISE EXCEPTION 'archive ledger row % cannot go from % to %', OLD.id, OLD.state, NEW.state
            USING ERRCODE = 'P0001',
                  HINT = 'A ledger row only moves forward: planned, deleting, then done (or superseded by a later part).';
    END IF;
    RETURN NEW;
END
$$;
--@ no transaction
ALTER TABLE switchyard_alert_rules VALIDATE CONSTRAINT switchyard_alert_rules_condition_check;
ALTER TABLE switchyard_alert_rules VALIDATE CONSTRAINT switchyard_alert_rules_window_check;
ALTER TABLE switchyard_archive_ledger VALIDATE CONSTRAINT switchyard_archive_ledger_state_check;
ALTER TABLE switchyard_archive_ledger VALIDATE CONSTRAINT switchyard_archive_ledger_finished_check;
