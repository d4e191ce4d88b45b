-- The database's own id, minted once: the first part of every live order's idempotency key
-- (`<database id>:<task id>:<account>`, docs/router.md "Live routing"). Task ids restart in a
-- database rebuilt after an archive, and two deployments share ids; a broker that remembers
-- keys for days must never answer a new order with an old one. A standby has the same id as
-- its primary (it is replicated), so an order re-sent after a failover keeps its key.
--
-- A new table of one row: no lock on the queue's tables.
SET LOCAL lock_timeout = '1s';

CREATE TABLE IF NOT EXISTS switchyard_database_identity (
    one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
    id UUID NOT NULL DEFAULT gen_random_uuid(),
    minted_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO switchyard_database_identity (one) VALUES (true) ON CONFLICT (one) DO NOTHING;

-- Never changed: a new id would let a broker take a retried order for a new one.
CREATE OR REPLACE FUNCTION switchyard_reject_identity_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'switchyard_database_identity never changes: live orders'' idempotency keys are made from it'
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE OR REPLACE TRIGGER switchyard_database_identity_fixed
    BEFORE UPDATE OR DELETE OR TRUNCATE ON switchyard_database_identity
    FOR EACH STATEMENT EXECUTE FUNCTION switchyard_reject_identity_change();
