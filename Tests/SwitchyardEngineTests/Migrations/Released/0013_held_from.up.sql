-- Hold remembers the state it holds a task from, and resume returns the task to it: a FAILED
-- task held to keep it out of retry-all stays FAILED (finished) when resumed, instead of being
-- put back in the queue. NULL for a task held before this column (it resumes to PENDING, as
-- before) and for every task not HELD.
-- A nullable column without a default: a change of the catalogue only, no table rewrite and no
-- backfill. It still takes a brief ACCESS EXCLUSIVE lock; behind a long query that lock would
-- queue every writer after it, so it gives up after 1 s instead (run `migrate up` again).
SET LOCAL lock_timeout = '1s';
ALTER TABLE execution_tasks ADD COLUMN IF NOT EXISTS held_from VARCHAR(32);
