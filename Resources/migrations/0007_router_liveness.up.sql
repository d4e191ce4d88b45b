-- One rule for "is this router alive", on the database's clock: a router is live while it is
-- not marked stopped and its last heartbeat's promise holds. Each heartbeat sets `live_until` to
-- the server's now() plus the router's lease, so a router is live exactly as long as its
-- in-flight tasks cannot be taken back; a router killed with SIGKILL stops being live when its
-- leases expire. Rows written by routers of schema 6 have no `live_until`: the rule falls back
-- to 30 s after their heartbeat.
ALTER TABLE switchyard_routers ADD COLUMN IF NOT EXISTS live_until TIMESTAMPTZ;
