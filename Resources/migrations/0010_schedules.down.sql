DROP TRIGGER IF EXISTS switchyard_schedules_notify ON switchyard_schedules;
DROP TABLE IF EXISTS switchyard_schedule_log;
DROP TABLE IF EXISTS switchyard_scheduler_clock;
DROP INDEX IF EXISTS idx_execution_tasks_schedule;
ALTER TABLE execution_tasks DROP COLUMN IF EXISTS schedule_id;
DROP TABLE IF EXISTS switchyard_schedule_runs;
DROP TABLE IF EXISTS switchyard_schedules;
