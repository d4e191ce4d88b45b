-- What the router needs on tasks: attempts budget, the next time a task may run, the claim's
-- lease, and how it finished. Defaults are constants or now() (stable), so no table rewrite.
ALTER TABLE execution_tasks
    ADD COLUMN IF NOT EXISTS max_attempts INTEGER NOT NULL DEFAULT 5,
    ADD COLUMN IF NOT EXISTS available_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS locked_by TEXT,
    ADD COLUMN IF NOT EXISTS locked_until TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS finished_at TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS dead_letter_reason TEXT,
    ADD COLUMN IF NOT EXISTS dead_lettered_at TIMESTAMPTZ;

-- What the audit trail needs: which event, which account, who did it, which router, how long.
ALTER TABLE execution_logs
    ADD COLUMN IF NOT EXISTS event VARCHAR(32) NOT NULL DEFAULT 'ATTEMPT',
    ADD COLUMN IF NOT EXISTS account TEXT,
    ADD COLUMN IF NOT EXISTS actor TEXT,
    ADD COLUMN IF NOT EXISTS router_id TEXT,
    ADD COLUMN IF NOT EXISTS duration_ms INTEGER;

-- The claim: eligible tasks in the order they become available.
CREATE INDEX IF NOT EXISTS idx_execution_tasks_claimable
    ON execution_tasks (available_at, id) WHERE status IN ('PENDING', 'RETRYING');
-- The rescuer: running tasks by lease end.
CREATE INDEX IF NOT EXISTS idx_execution_tasks_lease
    ON execution_tasks (locked_until) WHERE status = 'RUNNING';
-- Order within a trade: an EXIT waits for that trade's earlier ENTRY.
CREATE INDEX IF NOT EXISTS idx_execution_tasks_trade ON execution_tasks (trade_id, id);
-- Recent logs and per-minute rates.
CREATE INDEX IF NOT EXISTS idx_execution_logs_created ON execution_logs (created_at, id);
-- Idempotency: one accepted order per task and account, whatever retries and crashes do.
CREATE UNIQUE INDEX IF NOT EXISTS idx_execution_logs_one_acceptance
    ON execution_logs (task_id, account) WHERE event = 'ATTEMPT' AND status = 'SUCCESS';
