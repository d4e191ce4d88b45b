-- Back to migrations 9 and 15. Rules added under the new name take the old one, the only one
-- the builds before migration 19 read. Superseded archive parts cannot be said without the new
-- state: with parts superseded in the ledger (kept forever, like every ledger row), the ledger
-- stays as it is and this fails, saying so.
SET LOCAL lock_timeout = '1s';
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM switchyard_archive_ledger WHERE state = 'superseded' OR supersedes IS NOT NULL) THEN
        RAISE EXCEPTION 'the archive ledger has superseded parts, which the schema before migration 19 cannot hold'
            USING ERRCODE = 'P0001', HINT = 'The ledger keeps every row: stay at version 19 or later.';
    END IF;
END
$$;
UPDATE switchyard_alert_rules SET condition = 'account_rejections_over' WHERE condition = 'account_refusals_over';
ALTER TABLE switchyard_alert_rules
    DROP CONSTRAINT IF EXISTS switchyard_alert_rules_condition_check,
    DROP CONSTRAINT IF EXISTS switchyard_alert_rules_window_check,
    ADD CONSTRAINT switchyard_alert_rules_condition_check
        CHECK (condition IN ('failed_over', 'dead_over', 'lag_over', 'no_router_for',
                             'failure_rate_over', 'account_rejections_over')),
    ADD CONSTRAINT switchyard_alert_rules_check2
        CHECK ((window_minutes IS NOT NULL) = (condition IN ('failure_rate_over', 'account_rejections_over')));
DROP INDEX IF EXISTS switchyard_archive_ledger_supersedes;
ALTER TABLE switchyard_archive_ledger
    DROP CONSTRAINT IF EXISTS switchyard_archive_ledger_state_check,
    DROP CONSTRAINT IF EXISTS switchyard_archive_ledger_finished_check,
    DROP COLUMN IF EXISTS supersedes,
    ADD CONSTRAINT switchyard_archive_ledger_state_check CHECK (state IN ('planned', 'deleting', 'done')),
    ADD CONSTRAINT switchyard_archive_ledger_check1 CHECK ((state = 'done') = (finished_at IS NOT NULL));
CREATE OR REPLACE FUNCTION switchyard_archive_ledger_forward() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state = 'done' OR (OLD.state = 'deleting' AND NEW.state = 'planned')
       OR NEW.month <> OLD.month OR NEW.part <> OLD.part
       OR (OLD.state <> 'planned' AND (NEW.sha256 IS DISTINCT FROM OLD.sha256 OR NEW.tasks IS DISTINCT FROM OLD.tasks
                                        OR NEW.logs IS DISTINCT FROM OLD.logs OR NEW.file IS DISTINCT FROM OLD.file)) THEN
        RAISE EXCEPTION 'archive ledger row % cannot go from % to %', OLD.id, OLD.state, NEW.state
            USING ERRCODE = 'P0001', HINT = 'A ledger row only moves forward: planned, deleting, done.';
    END IF;
    RETURN NEW;
END
$$;
