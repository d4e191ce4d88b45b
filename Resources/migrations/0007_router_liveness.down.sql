ALTER TABLE switchyard_routers DROP COLUMN IF EXISTS live_until;
