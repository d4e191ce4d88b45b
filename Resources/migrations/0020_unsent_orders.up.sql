-- An order ledger row may end `unsent` (docs/router.md, "Live routing"): a row left `sending`
-- (no answer ever came: timeouts, dropped connections) whose task then ended, and of which the
-- broker, asked by its key (`GET {url}/orders?client_order_id=KEY`), says it has no order. It
-- never reached the broker: it is settled and no longer counts toward max_position.
--
-- Online: the state check is swapped in one short transaction (under the Migrator's lock
-- timeout), added NOT VALID and validated after it without blocking writers; the index the
-- follow-ups read (rows still `sending` without a broker order id, few at any time) is built
-- concurrently. The state check is found by what it says, not by name: migration 17 wrote it
-- inline and the server named it.
--@ transaction
DO $$
DECLARE c text;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint
             WHERE conrelid = 'switchyard_orders'::regclass AND contype = 'c'
               AND pg_get_constraintdef(oid) LIKE '%partially_filled%' LOOP
        EXECUTE format('ALTER TABLE switchyard_orders DROP CONSTRAINT %I', c);
    END LOOP;
END
$$;
ALTER TABLE switchyard_orders
    ADD CONSTRAINT switchyard_orders_state_check
        CHECK (state IN ('sending', 'accepted', 'partially_filled', 'filled', 'rejected', 'cancelled', 'refused', 'conflict',
                         'unsent')) NOT VALID;
--@ no transaction
ALTER TABLE switchyard_orders VALIDATE CONSTRAINT switchyard_orders_state_check;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_switchyard_orders_unanswered ON switchyard_orders (followed_at)
    WHERE state = 'sending' AND broker_order_id IS NULL;
