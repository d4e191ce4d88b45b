-- Alert rules, their episodes, the deliveries they owe, and an append-only history
-- (docs/operations.md, "Alerts"; docs/router.md, "Alerts: once for the cluster").

-- One row per rule. A removed rule keeps its row (removed_at), so its history still names it;
-- a name is unique among the rules not removed.
CREATE TABLE switchyard_alert_rules (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    condition TEXT NOT NULL CHECK (condition IN ('failed_over', 'dead_over', 'lag_over', 'no_router_for',
                                                 'failure_rate_over', 'account_rejections_over')),
    threshold DOUBLE PRECISION NOT NULL CHECK (threshold >= 0),
    window_minutes INTEGER CHECK (window_minutes BETWEEN 1 AND 1440),
    severity TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
    webhook_url TEXT,
    command TEXT,
    cooldown_seconds INTEGER NOT NULL DEFAULT 300 CHECK (cooldown_seconds >= 0),
    quiet_start TIME,
    quiet_end TIME,
    time_zone TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    removed_by TEXT,
    removed_at TIMESTAMPTZ,
    CHECK ((webhook_url IS NULL) <> (command IS NULL)),
    CHECK ((quiet_start IS NULL) = (quiet_end IS NULL) AND (quiet_start IS NULL OR time_zone IS NOT NULL)),
    CHECK ((window_minutes IS NOT NULL) = (condition IN ('failure_rate_over', 'account_rejections_over')))
);
CREATE UNIQUE INDEX switchyard_alert_rules_live_name ON switchyard_alert_rules (name) WHERE removed_at IS NULL;

-- One row per episode: from the pass that saw the condition hold to the pass that saw it clear.
-- `subject` is the account for account rules, '' otherwise. The partial unique index is what
-- makes a firing happen once for the cluster: every router's evaluator tries the INSERT, one
-- wins, the others' ON CONFLICT DO NOTHING returns no row and they send nothing.
-- `notified_at` is when the last firing message was queued; NULL while one is held (quiet hours
-- for a warning, or the cooldown after the rule's previous message).
CREATE TABLE switchyard_alert_episodes (
    id BIGSERIAL PRIMARY KEY,
    rule_id BIGINT NOT NULL REFERENCES switchyard_alert_rules (id),
    subject TEXT NOT NULL DEFAULT '',
    started_at TIMESTAMPTZ NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    last_value DOUBLE PRECISION NOT NULL,
    notified_at TIMESTAMPTZ,
    held_reason TEXT,
    resolved_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX switchyard_alert_episodes_open ON switchyard_alert_episodes (rule_id, subject)
    WHERE resolved_at IS NULL;
CREATE INDEX switchyard_alert_episodes_rule ON switchyard_alert_episodes (rule_id, id);

-- Messages owed: any router claims one with SKIP LOCKED and a lease (next_attempt_at moves past
-- the send's timeout), sends it, and marks it delivered or schedules the next try with backoff,
-- all on the database's clock. `payload` is the JSON sent, fixed when the message was queued.
CREATE TABLE switchyard_alert_deliveries (
    id BIGSERIAL PRIMARY KEY,
    rule_id BIGINT NOT NULL REFERENCES switchyard_alert_rules (id),
    episode_id BIGINT REFERENCES switchyard_alert_episodes (id),
    state TEXT NOT NULL CHECK (state IN ('firing', 'resolved', 'test')),
    payload JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    delivered_at TIMESTAMPTZ,
    abandoned_at TIMESTAMPTZ,
    last_error TEXT
);
CREATE INDEX switchyard_alert_deliveries_owed ON switchyard_alert_deliveries (next_attempt_at, id)
    WHERE delivered_at IS NULL AND abandoned_at IS NULL;

-- Everything that happened to alerts: rule_added, rule_removed, fired, suppressed, delivered,
-- delivery_failed, delivery_abandoned, resolved, test. Append-only, like the audit trail.
CREATE TABLE switchyard_alert_history (
    id BIGSERIAL PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    rule_id BIGINT NOT NULL REFERENCES switchyard_alert_rules (id),
    rule_name TEXT NOT NULL,
    episode_id BIGINT REFERENCES switchyard_alert_episodes (id),
    delivery_id BIGINT REFERENCES switchyard_alert_deliveries (id),
    event TEXT NOT NULL,
    severity TEXT,
    subject TEXT,
    value DOUBLE PRECISION,
    detail TEXT,
    actor TEXT NOT NULL
);
CREATE INDEX switchyard_alert_history_rule ON switchyard_alert_history (rule_id, id);
CREATE OR REPLACE TRIGGER switchyard_alert_history_append_only
    BEFORE UPDATE OR DELETE ON switchyard_alert_history
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_reject_audit_change();
CREATE OR REPLACE TRIGGER switchyard_alert_history_no_truncate
    BEFORE TRUNCATE ON switchyard_alert_history
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_reject_audit_change();

-- Refused orders per account and minute, for `--account-rejections-over N --window M`: a few
-- rows a minute to read instead of the window's audit rows. Kept by the trigger of migration 6,
-- whose function now counts these too (one pass over each INSERT's new rows, as before).
CREATE TABLE switchyard_account_rejection_minutes (
    minute TIMESTAMP NOT NULL,
    account TEXT NOT NULL,
    shard SMALLINT NOT NULL,
    rejected BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, account, shard)
);

CREATE OR REPLACE FUNCTION switchyard_count_attempts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO switchyard_attempt_minutes AS m (minute, shard, succeeded, failed)
    SELECT date_trunc('minute', created_at), pg_backend_pid() % 8,
           count(*) FILTER (WHERE status = 'SUCCESS'), count(*) FILTER (WHERE status = 'FAILED')
    FROM new_attempts
    WHERE event = 'ATTEMPT' AND status IN ('SUCCESS', 'FAILED') AND created_at IS NOT NULL
    GROUP BY 1
    ON CONFLICT (minute, shard) DO UPDATE
        SET succeeded = m.succeeded + excluded.succeeded, failed = m.failed + excluded.failed;
    INSERT INTO switchyard_account_rejection_minutes AS r (minute, account, shard, rejected)
    SELECT date_trunc('minute', created_at), account, pg_backend_pid() % 8, count(*)
    FROM new_attempts
    WHERE event = 'ATTEMPT' AND status = 'FAILED' AND account IS NOT NULL AND created_at IS NOT NULL
    GROUP BY 1, 2
    ON CONFLICT (minute, account, shard) DO UPDATE SET rejected = r.rejected + excluded.rejected;
    RETURN NULL;
END
$$;

-- The function above counts every audit row written after this step commits; the lock waits
-- for audit inserts in flight (that may still run the function's older text), briefly.
LOCK TABLE execution_logs IN SHARE ROW EXCLUSIVE MODE;

-- The last day's refusals (the longest window), from the first audit row of that day to the
-- highest id when the step above committed, in batches of short transactions.
--@ backfill refusals of the last day over execution_logs.id from SELECT min(id) - 1 FROM execution_logs WHERE event = 'ATTEMPT' AND created_at >= (now() - interval '1 day')::timestamp
WITH batch AS MATERIALIZED (SELECT created_at, account, status, event FROM execution_logs WHERE id > $1 AND id <= $2)
INSERT INTO switchyard_account_rejection_minutes AS r (minute, account, shard, rejected)
SELECT date_trunc('minute', created_at), account, 0, count(*)
FROM batch
WHERE event = 'ATTEMPT' AND status = 'FAILED' AND account IS NOT NULL AND created_at IS NOT NULL
GROUP BY 1, 2
ORDER BY 1, 2
ON CONFLICT (minute, account, shard) DO UPDATE SET rejected = r.rejected + excluded.rejected;
