-- Back to migration 17's state check. Rows that ended `unsent` cannot be said without the new
-- state: with such rows in the ledger (kept forever, like every ledger row), the ledger stays as
-- it is and this fails, saying so.
SET LOCAL lock_timeout = '1s';
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM switchyard_orders WHERE state = 'unsent') THEN
        RAISE EXCEPTION 'the order ledger has unsent orders, which the schema before migration 20 cannot hold'
            USING ERRCODE = 'P0001', HINT = 'The ledger keeps every row: stay at version 20 or later.';
    END IF;
END
$$;
DROP INDEX IF EXISTS idx_switchyard_orders_unanswered;
ALTER TABLE switchyard_orders
    DROP CONSTRAINT IF EXISTS switchyard_orders_state_check,
    ADD CONSTRAINT switchyard_orders_state_check
        CHECK (state IN ('sending', 'accepted', 'partially_filled', 'filled', 'rejected', 'cancelled', 'refused', 'conflict'));
