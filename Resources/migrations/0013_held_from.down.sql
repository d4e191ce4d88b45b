-- Held tasks then resume to PENDING again, whatever they were held from.
SET LOCAL lock_timeout = '1s';
ALTER TABLE execution_tasks DROP COLUMN IF EXISTS held_from;
