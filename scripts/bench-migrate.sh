#!/usr/bin/env bash
# `make bench-migrate`: `switchyard migrate` adopting a live seed database, and what it costs a
# writer beside it. A benchmark, not a test: it prints figures and asserts nothing about speed.
#
#   scripts/bench-migrate.sh [all|fill|run|destroy]   (default: all)
#
#   fill  a private cluster in .pgbench-migrate/ (git-ignored) holding the seed system's two tables
#         as it creates them, TASKS (default 10,000,000) tasks over 30 days and three audit rows
#         each, loaded by generate_series in SQL (indexes and the foreign key after the load), then
#         VACUUM ANALYZE, as a database that ran for a while. Kept between runs.
#   run   RUNS (default 3) times, alternating: BEFORE_BIN's `migrate up` (a build of the code the
#         figures compare with, e.g. main), then this build's, each with a writer beside it doing
#         what the seed system and the routers do: every 20 ms insert a task, update the one
#         before, write an audit row (pgbench -R 50, one client, each statement on its own).
#         Per run: the migration's time, the writer's longest transaction (its three
#         statements, without pgbench's schedule lag) and whether it applied; it is then reverted (`migrate down --to 0`, which keeps the
#         seed tables and their rows) for the next run. Medians at the end.
# BEFORE_BIN defaults to /tmp/switchyard-main/.build/debug/switchyard (`git archive main | tar -x
# -C /tmp/switchyard-main` and `swift build --product switchyard` there); without it only this
# build is measured. BIN defaults to this build's debug binary (migrate waits on the server).
# Output goes to stdout and bench-results/migrate-<time>.txt (git-ignored).
set -euo pipefail
source "$(dirname "$0")/bench/common.sh"
dir=${BENCH_DIR:-$project/.pgbench-migrate}
tasks=${TASKS:-10000000}
runs=${RUNS:-3}
bin=${BIN:-$project/.build/debug/switchyard}
before_bin=${BEFORE_BIN:-/tmp/switchyard-main/.build/debug/switchyard}

bench_begin migrate "${1:-all}" fill run
mkdir -p "$dir"

start() {
    url=$(PG_START_TIMEOUT=900 scripts/pg.sh start "$dir")
    if [ "$(sql "$url" -c "SHOW shared_buffers")" != "1GB" ]; then
        sql "$url" -c "ALTER SYSTEM SET shared_buffers = '1GB'" -c "ALTER SYSTEM SET maintenance_work_mem = '512MB'" \
            -c "ALTER SYSTEM SET max_wal_size = '8GB'" -c "ALTER SYSTEM SET checkpoint_timeout = '30min'"
        scripts/pg.sh stop "$dir"
        url=$(scripts/pg.sh start "$dir")
    fi
}

fill() {
    if [ "$(sql "$url" -c "SELECT count(*) FROM pg_tables WHERE tablename = 'bench_meta'")" = 1 ]; then
        say "already filled ($(sql "$url" -c "SELECT tasks FROM bench_meta") tasks); '$0 destroy' starts again"
        return
    fi
    say "filling $tasks tasks and $((tasks * 3)) audit rows, as the seed system writes them"
    local started=$SECONDS
    sql "$url" <<SQL
\timing on
CREATE TABLE bench_meta AS SELECT $tasks::bigint AS tasks, date_trunc('second', now()) AS filled_at;
-- The seed system's DDL (TestDatabase.seedDDL); its indexes and foreign key come after the load.
CREATE TABLE execution_tasks (id SERIAL PRIMARY KEY, trade_id VARCHAR(100) NOT NULL,
  event_type VARCHAR(32) NOT NULL, status VARCHAR(32) NOT NULL DEFAULT 'PENDING',
  attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, payload JSONB,
  last_attempt_at TIMESTAMP, created_at TIMESTAMP DEFAULT NOW(), updated_at TIMESTAMP DEFAULT NOW());
CREATE TABLE execution_logs (id SERIAL PRIMARY KEY, task_id INTEGER NOT NULL,
  status VARCHAR(32) NOT NULL, response_code INTEGER, response_body TEXT, created_at TIMESTAMP DEFAULT NOW());
INSERT INTO execution_tasks (trade_id, event_type, status, attempts, last_error, payload, last_attempt_at, created_at, updated_at)
SELECT 'ES-' || (i + 1) / 2, e, s, CASE WHEN s = 'PENDING' THEN 0 ELSE 1 END,
    CASE WHEN s = 'FAILED' THEN 'broker rejected order: margin ' || i % 97 END,
    CASE e WHEN 'ENTRY' THEN '{"kind":"ENTRY","direction":"LONG","entry_price":4156.25,"stop_loss":4150.00,"session":"NY AM","bias":"Bullish"}'::jsonb
           ELSE '{"kind":"EXIT","exit_type":"SL","exit_price":4150.00,"final_be_mfe":1.5,"final_no_be_mfe":2.3}'::jsonb END,
    CASE WHEN s <> 'PENDING' THEN c + interval '1 second' END, c, c + interval '2 seconds'
FROM bench_meta m, generate_series(1, m.tasks) AS i,
    LATERAL (SELECT m.filled_at::timestamp - interval '30 days' + interval '30 days' * (i::float8 / m.tasks) AS c,
                    CASE WHEN i % 2 = 1 THEN 'ENTRY' ELSE 'EXIT' END AS e,
                    CASE WHEN i > m.tasks - 400 THEN 'PENDING' WHEN (i * 7919) % 10000 < 40 THEN 'FAILED'
                         ELSE 'SUCCESS' END AS s) AS t;
INSERT INTO execution_logs (task_id, status, response_code, response_body, created_at)
SELECT task, CASE WHEN j % 41 = 0 THEN 'FAILED' ELSE 'SUCCESS' END, CASE WHEN j % 41 = 0 THEN 500 ELSE 200 END,
    CASE WHEN j % 41 = 0 THEN 'broker rejected order' ELSE 'accepted: order ' || j END,
    m.filled_at::timestamp - interval '30 days' + interval '30 days' * (task::float8 / m.tasks) + (1 + j % 3) * interval '1 second'
FROM bench_meta m, generate_series(1, 3 * m.tasks) AS j, LATERAL (SELECT (j + 2) / 3 AS task) AS k;
CREATE INDEX idx_execution_tasks_status_created ON execution_tasks (status, created_at);
CREATE INDEX idx_execution_logs_task_id ON execution_logs (task_id);
ALTER TABLE execution_logs ADD CONSTRAINT execution_logs_task_id_fkey
    FOREIGN KEY (task_id) REFERENCES execution_tasks (id) ON DELETE CASCADE;
SQL
    sql "$url" -c "VACUUM (ANALYZE) execution_tasks" -c "VACUUM (ANALYZE) execution_logs" -c "CHECKPOINT"
    say "filled in $((SECONDS - started)) s; $(sql "$url" -c "SELECT pg_size_pretty(pg_database_size(current_database()))") on disk"
}

# The writer's script: what the seed system and a router do, each statement committed alone.
writer_script() {
    cat <<'SQL'
INSERT INTO execution_tasks (trade_id, event_type, payload) VALUES ('LIVE', 'ENTRY', '{"kind":"ENTRY","direction":"LONG","entry_price":4156.25,"stop_loss":4150}') RETURNING id AS last \gset
UPDATE execution_tasks SET status = 'SUCCESS', updated_at = now() WHERE id = :last - 1;
INSERT INTO execution_logs (task_id, status, response_code, response_body) VALUES (:last - 1, 'SUCCESS', 200, 'accepted');
SQL
}

# measure LABEL BIN: one migration beside the writer; prints "LABEL seconds longest_ms".
measure() {
    local label=$1 binary=$2 logs="$dir/writer-$1"
    rm -rf "$logs" && mkdir -p "$logs"
    writer_script >"$logs/script.sql"
    (cd "$logs" && exec "$bindir/pgbench" "$url" -n -c 1 -R 50 -T 36000 -f script.sql -l --log-prefix=w >/dev/null 2>&1) &
    local writer=$!
    sleep 3
    local began ended
    began=$(now)
    # A migration that fails (main's can deadlock with the writer) is reported, not fatal.
    local outcome=applied
    DATABASE_URL="$url" "$binary" migrate up >"$logs/migrate.out" 2>"$logs/migrate.err" || outcome="failed: $(head -1 "$logs/migrate.err")"
    ended=$(now)
    # pgbench buffers its log and loses the buffer when stopped: run on a while so that the
    # migration's transactions are all written. (SIGTERM: a background job ignores SIGINT.)
    sleep 8
    kill -TERM "$writer" 2>/dev/null || true
    wait "$writer" 2>/dev/null || true
    local longest
    # Each line: client, transaction, time (µs, from its scheduled start), script, epoch, µs, lag.
    longest=$(cat "$logs"/w.* 2>/dev/null | awk '{ t = $3 - $7; if (t > m) m = t } END { printf "%.0f", m / 1000 }')
    echo "$label $(awk -v a="$began" -v b="$ended" 'BEGIN { printf "%.1f", b - a }') $longest $outcome"
    DATABASE_URL="$url" "$binary" migrate down --to 0 --yes >/dev/null
}

run() {
    say "TASKS=$(sql "$url" -c "SELECT tasks FROM bench_meta"), RUNS=$runs; $(load)"
    local results="$dir/results.txt"
    : >"$results"
    for ((r = 1; r <= runs; r++)); do
        if [ -x "$before_bin" ]; then
            measure before "$before_bin" | tee -a "$results"
        fi
        measure after "$bin" | tee -a "$results"
        say "run $r of $runs done; $(load)"
    done
    for label in before after; do
        grep -q "^$label " "$results" || continue
        echo "$label: migrate $(awk -v l=$label '$1 == l { print $2 }' "$results" | median) s (median of" \
            "$(grep -c "^$label " "$results")), writer's longest wait $(awk -v l=$label '$1 == l { print $3 }' "$results" | median) ms" \
            "(median; each run: $(awk -v l=$label '$1 == l { printf "%s ", $3 }' "$results")ms)"
    done
    say "this build's progress lines, last run:"
    sed 's/^/  /' "$dir/writer-after/migrate.err"
}

start
[ -x "$bin" ] || swift build --product switchyard >/dev/null
wants fill && fill
wants run && run
say "done; '$0 destroy' removes the cluster and its data"
