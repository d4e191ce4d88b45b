-- The seed system's own DDL, unchanged but for IF NOT EXISTS: a database it created, with
-- rows in it, is adopted as it is.
CREATE TABLE IF NOT EXISTS execution_tasks (
    id SERIAL PRIMARY KEY,
    trade_id VARCHAR(100) NOT NULL,
    event_type VARCHAR(32) NOT NULL,
    status VARCHAR(32) NOT NULL DEFAULT 'PENDING',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    payload JSONB,
    last_attempt_at TIMESTAMP,
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_execution_tasks_status_created ON execution_tasks (status, created_at);
CREATE TABLE IF NOT EXISTS execution_logs (
    id SERIAL PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES execution_tasks(id) ON DELETE CASCADE,
    status VARCHAR(32) NOT NULL,
    response_code INTEGER,
    response_body TEXT,
    created_at TIMESTAMP DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_execution_logs_task_id ON execution_logs (task_id);
