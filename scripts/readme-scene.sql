-- The scene of README.md's screen: half an hour of `make run`'s demo traffic (three demo
-- accounts, the dry-run broker), written as the router would have written it, with nothing
-- random and every time relative to the start of the database's current minute, so the
-- per-minute chart reads the same on every run (a screen of it must be taken within that minute).
-- Loaded into an empty, migrated database by scripts/readme-screen.sh and by ReadmeScreenTests.
--
-- A trade every 6 s up to 2 s before the minute, with a quiet spell 14 to 17 minutes earlier; each trade's
-- EXIT runs 90 s after its ENTRY (the demo's hold time), so the newest trades are still open.
-- Counted from the newest: one trade in 20 has a malformed ENTRY (failed for good), one in 28
-- an ENTRY tried once and refused by apex-eval-2 (FAILED; the third newest is still open, so a
-- retry would go through), one in 13 an ENTRY refused by apex-eval-1 once and accepted on its
-- second attempt. No trade is 64 to 90 s old, and an open trade's EXIT is SCHEDULED 90 s after
-- the trade from now, so nothing becomes claimable within 26 s and a router running beside the
-- scene (the dashboard's embedded one) changes nothing in that time.
BEGIN;

CREATE TEMP TABLE scene_trades ON COMMIT DROP AS
WITH times AS (
    SELECT s FROM generate_series(2, 1800, 6) AS s
    WHERE s NOT BETWEEN 840 AND 1020 AND s NOT BETWEEN 64 AND 90),
numbered AS (
    SELECT s, row_number() OVER (ORDER BY s DESC)::int AS k, row_number() OVER (ORDER BY s)::int AS j FROM times)
SELECT k, j, s,
       date_trunc('minute', localtimestamp) - s * interval '1 second' AS at,
       k % 2 = 0 AS long,
       (4100 + (k % 400) * 0.25)::numeric(10, 2) AS entry,
       ((2 + k % 20) * 0.25)::numeric(10, 2) AS risk,
       CASE WHEN j % 20 = 7 THEN 'malformed' WHEN j % 28 = 3 THEN 'tried once' WHEN j % 13 = 10 THEN 'retried'
            ELSE 'plain' END AS kind,
       s >= 90 AS exited
FROM numbered;

-- Prices as the router prints them (Swift's Double): 4100.0, 4100.5, 4100.25.
CREATE OR REPLACE FUNCTION pg_temp.price(p numeric) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p = trunc(p) THEN trunc(p)::text || '.0' ELSE rtrim(p::text, '0') END
$$;

CREATE TEMP TABLE scene_accounts ON COMMIT DROP AS
SELECT * FROM (VALUES ('apex-eval-1', 50, 500, 3), ('apex-eval-2', 5, 250, 10), ('topstep-funded', 50, 1000, 5))
    AS a(account, point_value, risk_per_trade, max_contracts);

INSERT INTO execution_tasks (id, trade_id, event_type, status, attempts, max_attempts, last_error, payload,
                             last_attempt_at, created_at, updated_at, available_at, finished_at)
SELECT 2 * t.k - 1, 'DEMO-q7k2xw-' || t.k, 'ENTRY',
       CASE WHEN t.kind IN ('malformed', 'tried once') THEN 'FAILED' ELSE 'SUCCESS' END,
       CASE WHEN t.kind = 'retried' THEN 2 ELSE 1 END,
       CASE WHEN t.kind = 'tried once' THEN 1 ELSE 5 END,
       CASE t.kind
           WHEN 'malformed' THEN 'Payload rejected: stop_loss equals entry_price (' || pg_temp.price(t.entry)
                                 || '): the risk per contract would be zero.'
           WHEN 'tried once' THEN '1 account(s) failed: apex-eval-2: dry-run: simulated rejection by apex-eval-2 (attempt 1 of 1; none left)'
       END,
       jsonb_build_object('kind', 'ENTRY', 'direction', CASE WHEN t.long THEN 'LONG' ELSE 'SHORT' END,
                          'entry_price', t.entry,
                          'stop_loss', CASE WHEN t.kind = 'malformed' THEN t.entry
                                            WHEN t.long THEN t.entry - t.risk ELSE t.entry + t.risk END,
                          'session', 'NY AM', 'bias', CASE WHEN t.long THEN 'Bullish' ELSE 'Bearish' END),
       t.at + CASE WHEN t.kind = 'retried' THEN interval '1.5 seconds' ELSE interval '0' END,
       t.at, t.at, t.at, (t.at + CASE WHEN t.kind = 'retried' THEN interval '1.5 seconds' ELSE interval '0' END)::timestamptz
FROM scene_trades AS t
UNION ALL
SELECT 2 * t.k, 'DEMO-q7k2xw-' || t.k, 'EXIT', CASE WHEN t.exited THEN 'SUCCESS' ELSE 'PENDING' END,
       CASE WHEN t.exited THEN 1 ELSE 0 END, 5, NULL,
       jsonb_build_object('kind', 'EXIT', 'exit_type', 'TP',
                          'exit_price', CASE WHEN t.long THEN t.entry + 2 * t.risk ELSE t.entry - 2 * t.risk END,
                          'final_be_mfe', 1.5, 'final_no_be_mfe', 2.3),
       CASE WHEN t.exited THEN t.at + interval '90 seconds' END,
       t.at, CASE WHEN t.exited THEN t.at + interval '90 seconds' ELSE t.at END,
       CASE WHEN t.exited THEN (t.at + interval '90 seconds')::timestamptz ELSE now() + (90 - t.s) * interval '1 second' END,
       CASE WHEN t.exited THEN (t.at + interval '90 seconds')::timestamptz END
FROM scene_trades AS t;

-- Every attempt's audit row, one write-back (one INSERT) at a time, in time order, so that the
-- per-minute and per-account figures and the open positions are kept by their triggers.
CREATE TEMP TABLE scene_logs ON COMMIT DROP AS
WITH sized AS (
    SELECT t.*, a.account, least(a.max_contracts, floor(a.risk_per_trade / (t.risk * a.point_value)))::int AS contracts
    FROM scene_trades AS t CROSS JOIN scene_accounts AS a WHERE t.kind <> 'malformed'),
entries AS (
    -- First attempts: apex-eval-2 refuses a tried-once ENTRY, apex-eval-1 a retried one.
    SELECT 2 * k - 1 AS task_id, at AS created_at, account,
           (kind = 'tried once' AND account = 'apex-eval-2') OR (kind = 'retried' AND account = 'apex-eval-1') AS refused,
           CASE WHEN long THEN 'BUY' ELSE 'SELL' END || ' ' || contracts || ' contract' || CASE WHEN contracts = 1 THEN '' ELSE 's' END
               || ' at ' || pg_temp.price(entry) AS what,
           contracts, k
    FROM sized
    UNION ALL
    SELECT 2 * k - 1, at + interval '1.5 seconds', account, false,
           CASE WHEN long THEN 'BUY' ELSE 'SELL' END || ' ' || contracts || ' contract' || CASE WHEN contracts = 1 THEN '' ELSE 's' END
               || ' at ' || pg_temp.price(entry), contracts, k
    FROM sized WHERE kind = 'retried' AND account = 'apex-eval-1'),
exits AS (
    -- Each EXIT closes what its ENTRY opened.
    SELECT 2 * k AS task_id, at + interval '90 seconds' AS created_at, account, false AS refused,
           'CLOSE position at ' || pg_temp.price(CASE WHEN long THEN entry + 2 * risk ELSE entry - 2 * risk END) AS what,
           NULL::int AS contracts, k
    FROM sized WHERE exited AND NOT (kind = 'tried once' AND account = 'apex-eval-2'))
SELECT task_id, created_at, account,
       CASE WHEN refused THEN 'FAILED' ELSE 'SUCCESS' END AS status, CASE WHEN refused THEN 503 ELSE 200 END AS code,
       CASE WHEN refused THEN 'dry-run: simulated rejection by ' || account
            ELSE 'dry-run: ' || what || ' accepted (switchyard-' || task_id || '-' || account || ')' END AS body,
       CASE WHEN refused THEN NULL ELSE contracts END AS contracts, 4 + (k + length(account)) % 9 AS duration_ms
FROM (SELECT * FROM entries UNION ALL SELECT * FROM exits) AS l
UNION ALL
SELECT 2 * k - 1, at, NULL, 'FAILED', 422,
       'Payload rejected: stop_loss equals entry_price (' || pg_temp.price(entry) || '): the risk per contract would be zero.',
       NULL, NULL
FROM scene_trades WHERE kind = 'malformed'
UNION ALL
SELECT 2 * k, at + interval '90 seconds', NULL, 'SUCCESS', 200,
       'Nothing to close: no account accepted trade DEMO-q7k2xw-' || k || '''s ENTRY.', NULL, NULL
FROM scene_trades WHERE kind = 'malformed' AND exited;

DO $$
DECLARE
    batch timestamp;
BEGIN
    PERFORM setval(pg_get_serial_sequence('execution_tasks', 'id'), (SELECT max(id) FROM execution_tasks));
    FOR batch IN SELECT DISTINCT created_at FROM scene_logs ORDER BY 1 LOOP
        INSERT INTO execution_logs (task_id, status, response_code, response_body, event, account, router_id, actor,
                                    duration_ms, contracts, created_at)
        SELECT task_id, status, code, body, 'ATTEMPT', account, 'vm-4711-k2m9', 'vm-4711-k2m9', duration_ms, contracts,
               created_at
        FROM scene_logs WHERE created_at = batch ORDER BY task_id, account;
    END LOOP;
END
$$;

COMMIT;
