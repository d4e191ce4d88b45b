-- Back to the sampled estimate of distinct trade ids (the next ANALYZE takes it again).
ALTER TABLE execution_tasks ALTER COLUMN trade_id RESET (n_distinct);
