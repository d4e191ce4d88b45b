-- The planner's count of trades. ANALYZE reads a sample of pages and takes rows from them; the
-- tasks of one trade are written close together (an ENTRY and its EXIT), so the sample holds
-- many pairs and the estimate of distinct trade ids comes out far too low: 679,407 for 15 million
-- trades at 30 million tasks. Each trade then seems to have 44 tasks, and the check that an
-- EXIT's ENTRY has finished (in every claim) was planned as a walk of every unfinished task
-- instead of a lookup of the trade's few: a claim of 500 took 0.5 to 0.9 s while 20,000 tasks
-- waited (docs/performance.md, "At thirty million tasks"). A trade has two tasks or so: say so.
--
-- Online: SET on a column's statistics takes SHARE UPDATE EXCLUSIVE (writers go on), and so does
-- ANALYZE (a sample: seconds at 30 million tasks), which makes the planner use it now rather than
-- at the next autoanalyze. Outside a transaction, without the steps' lock timeout: an autovacuum
-- of the queue (minutes at this size) holds the same lock and is cancelled for a waiter after a
-- second, where a 300 ms timeout would give up before that, every time.
--@ no transaction
ALTER TABLE execution_tasks ALTER COLUMN trade_id SET (n_distinct = -0.5);
ANALYZE execution_tasks;
