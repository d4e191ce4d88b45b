-- The order ledger of live routing (docs/router.md, "Live routing"): one row per order a live
-- account was sent, or refused before it was sent, by its idempotency key
-- (`<database id>:<task id>:<account>`). Every retry of an order finds its row, so the same key
-- is never checked against the risk limits again and never becomes a second row; the broker's
-- answers and fills are recorded on it, and the risk limits and the accounts view count them.
--
-- A new, empty table with its indexes, policies and grants: no lock on the queue's tables.
CREATE TABLE IF NOT EXISTS switchyard_orders (
    idempotency_key TEXT PRIMARY KEY,
    task_id INTEGER NOT NULL,
    trade_id VARCHAR(100) NOT NULL,
    account TEXT NOT NULL,
    event VARCHAR(32) NOT NULL CHECK (event IN ('ENTRY', 'EXIT')),
    side TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    order_kind TEXT NOT NULL CHECK (order_kind IN ('market', 'limit')),
    limit_price NUMERIC CHECK ((order_kind = 'limit') = (limit_price IS NOT NULL)),
    -- sending: sent, or about to be, and no answer known; then the broker's own states;
    -- refused: a 4xx, or a risk limit (then never sent: sends = 0); conflict: the broker's 409.
    state TEXT NOT NULL DEFAULT 'sending'
        CHECK (state IN ('sending', 'accepted', 'partially_filled', 'filled', 'rejected', 'cancelled', 'refused', 'conflict')),
    broker_order_id TEXT,
    filled_quantity INTEGER NOT NULL DEFAULT 0 CHECK (filled_quantity >= 0),
    average_price NUMERIC,
    reason TEXT,
    -- All on the database's clock. The sent times are NULL for an order refused before sending.
    first_sent_at TIMESTAMPTZ,
    last_sent_at TIMESTAMPTZ,
    sends INTEGER NOT NULL DEFAULT 0 CHECK (sends >= 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- When a follow-up last asked the broker (or the send last answered): the least recently
    -- looked at open order is followed first.
    followed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- An ENTRY no longer open: final, and its fills closed by its trade's EXITs (or never filled).
    closed_at TIMESTAMPTZ,
    -- The account's trading day (its time zone's date) when the row was written.
    trading_day DATE NOT NULL
);

-- EXIT resolution (the ENTRY of a trade), the trade's fills closing its ENTRY.
CREATE INDEX IF NOT EXISTS idx_switchyard_orders_trade ON switchyard_orders (account, trade_id);
-- max_position: the account's ENTRYs still open, only those.
CREATE INDEX IF NOT EXISTS idx_switchyard_orders_open_entries ON switchyard_orders (account)
    WHERE event = 'ENTRY' AND closed_at IS NULL;
-- max_orders_per_minute: orders first sent in the last minute.
CREATE INDEX IF NOT EXISTS idx_switchyard_orders_sent ON switchyard_orders (account, first_sent_at);
-- daily_loss_limit and the accounts view: a trading day's orders.
CREATE INDEX IF NOT EXISTS idx_switchyard_orders_day ON switchyard_orders (account, trading_day);
-- Follow-ups: orders the broker has and that may still fill, least recently looked at first.
CREATE INDEX IF NOT EXISTS idx_switchyard_orders_follow ON switchyard_orders (followed_at)
    WHERE state IN ('accepted', 'partially_filled');

-- Per-account observers (migration 12): every other role sees and does what it may on the
-- queue's tables; an observer reads its accounts' orders only.
ALTER TABLE switchyard_orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY switchyard_not_observer ON switchyard_orders
    USING (NOT EXISTS (SELECT 1 FROM switchyard_observers o WHERE o.role_name = current_user))
    WITH CHECK (NOT EXISTS (SELECT 1 FROM switchyard_observers o WHERE o.role_name = current_user));
CREATE POLICY switchyard_observer_accounts ON switchyard_orders FOR SELECT
    USING (CASE WHEN EXISTS (SELECT 1 FROM switchyard_observers o WHERE o.role_name = current_user)
                THEN account IN (SELECT o.account FROM switchyard_observers o WHERE o.role_name = current_user)
                ELSE false END);
-- Observers granted before this migration read it as they read the other tables.
DO $$
DECLARE r text;
BEGIN
    FOR r IN SELECT DISTINCT role_name FROM switchyard_observers WHERE role_name IN (SELECT rolname FROM pg_roles) LOOP
        EXECUTE format('GRANT SELECT ON switchyard_orders TO %I', r);
    END LOOP;
END
$$;
