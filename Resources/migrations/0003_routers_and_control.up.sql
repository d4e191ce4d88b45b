-- Every router process, headless or embedded, registers here and heartbeats.
CREATE TABLE IF NOT EXISTS switchyard_routers (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    stopped_at TIMESTAMPTZ,
    dry_run BOOLEAN NOT NULL DEFAULT true,
    paused BOOLEAN NOT NULL DEFAULT false,
    in_flight INTEGER NOT NULL DEFAULT 0,
    processed BIGINT NOT NULL DEFAULT 0,
    version TEXT
);
CREATE INDEX IF NOT EXISTS idx_switchyard_routers_heartbeat ON switchyard_routers (heartbeat_at);

-- One row: the pause switches every router obeys within one poll interval.
CREATE TABLE IF NOT EXISTS switchyard_control (
    id INTEGER PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    global_paused BOOLEAN NOT NULL DEFAULT false,
    paused_event_types TEXT[] NOT NULL DEFAULT '{}',
    changed_by TEXT,
    changed_at TIMESTAMPTZ,
    reason TEXT
);
INSERT INTO switchyard_control (id) VALUES (1) ON CONFLICT (id) DO NOTHING;

-- The audit trail of router-wide actions (pause, resume), which belong to no task.
CREATE TABLE IF NOT EXISTS switchyard_control_log (
    id BIGSERIAL PRIMARY KEY,
    action TEXT NOT NULL,
    event_type TEXT,
    actor TEXT NOT NULL,
    reason TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
