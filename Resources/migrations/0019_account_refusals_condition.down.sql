-- Back to migration 9's checks: rules added under the new name take the old one, the only one
-- the builds before migration 19 read.
SET LOCAL lock_timeout = '1s';
UPDATE switchyard_alert_rules SET condition = 'account_rejections_over' WHERE condition = 'account_refusals_over';
ALTER TABLE switchyard_alert_rules
    DROP CONSTRAINT IF EXISTS switchyard_alert_rules_condition_check,
    DROP CONSTRAINT IF EXISTS switchyard_alert_rules_window_check,
    ADD CONSTRAINT switchyard_alert_rules_condition_check
        CHECK (condition IN ('failed_over', 'dead_over', 'lag_over', 'no_router_for',
                             'failure_rate_over', 'account_rejections_over')),
    ADD CONSTRAINT switchyard_alert_rules_check2
        CHECK ((window_minutes IS NOT NULL) = (condition IN ('failure_rate_over', 'account_rejections_over')));
