-- The ledger is the record of what live accounts were sent: going below 17 drops it.
DROP TABLE IF EXISTS switchyard_orders;
