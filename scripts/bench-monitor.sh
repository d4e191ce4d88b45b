#!/usr/bin/env bash
# `make bench-monitor`: the dashboard's reads at scale. A benchmark, not a test.
#
#   scripts/bench-monitor.sh [fill|time|snapshot|all|stop|destroy]     (default: all)
#
# fill     a private cluster in .pgbench/ (git-ignored), migrated, filled with TASKS tasks
#          (default 10,000,000) and three audit rows per task (30,000,000, over 50 accounts) over SPAN_DAYS
#          (default 30) days,
#          with realistic statuses, by generate_series in SQL; then VACUUM ANALYZE.
# time     the median of RUNS (default 5) whole snapshots and of each part, through the real
#          engine code (`switchyard stats --bench`), the seed system's own monitoring queries
#          through psql, and EXPLAIN (ANALYZE, BUFFERS) of every query (auto_explain), into
#          bench-results/ (git-ignored).
# snapshot only the engine's medians (seconds, not minutes), to repeat when the load was unsteady.
# stop     stop the cluster, keeping its data.
# BUILD=release builds and runs the release binary (default: the debug one).
# MAX_WAL_SIZE (default 16GB) the server's max_wal_size, written when the cluster is first
#          started: the fill keeps up to that much WAL on disk; lower it on a shared disk.
# destroy  stop the cluster and remove its multi-GB data folder.
set -euo pipefail
project=$(cd "$(dirname "$0")/.." && pwd)
cd "$project"
dir=${BENCH_DIR:-$project/.pgbench}   # BENCH_DIR: another folder, for a small trial fill
tasks=${TASKS:-10000000}
# SPAN_DAYS: the days the tasks were created over (scripts/bench-archive.sh fills two years).
span=${SPAN_DAYS:-30}
runs=${RUNS:-5}
# BUILD=release times (and builds) the release binary instead of the debug one.
config=${BUILD:-debug}
bin=.build/$config/switchyard
results="$project/bench-results"
bindir=$(pg_config --bindir 2>/dev/null || true)
[ -x "$bindir/psql" ] || bindir=/usr/lib/postgresql/15/bin

say() { echo "bench: $*" >&2; }
sql() { "$bindir/psql" "$url" -v ON_ERROR_STOP=1 -qAt "$@"; }

start() {
    # After an unclean stop, 25 GB of data can take minutes of crash recovery.
    url=$(PG_START_TIMEOUT=900 scripts/pg.sh start "$dir")
    # Settings for a ten-million-row queue on a small machine; written once, then a restart.
    if [ "$(sql -c "SHOW shared_buffers")" != "1GB" ]; then
        sql -c "ALTER SYSTEM SET shared_buffers = '1GB'" -c "ALTER SYSTEM SET maintenance_work_mem = '1GB'" \
            -c "ALTER SYSTEM SET max_wal_size = '${MAX_WAL_SIZE:-16GB}'" \
            -c "ALTER SYSTEM SET work_mem = '64MB'" -c "ALTER SYSTEM SET checkpoint_timeout = '30min'"
        scripts/pg.sh stop "$dir"
        url=$(scripts/pg.sh start "$dir")
    fi
}

fill() {
    start
    swift build -c "$config" --product switchyard >/dev/null
    DATABASE_URL="$url" "$bin" migrate up >&2
    # The per-account figures (migration 11) are counted from the loaded rows when it is applied
    # after the load, as on a database that grew before it: the load starts below it.
    if [ "$(sql -c "SELECT count(*) FROM pg_tables WHERE tablename = 'bench_meta'")" = 0 ]; then
        DATABASE_URL="$url" "$bin" migrate down --to 10 --yes >&2
    fi
    if [ "$(sql -c "SELECT count(*) FROM pg_tables WHERE tablename = 'bench_meta'")" = 1 ]; then
        say "already filled ($(sql -c "SELECT tasks FROM bench_meta") tasks); run '$0 destroy' to start again"
        return
    fi
    say "filling $tasks tasks and $((tasks * 3)) audit rows (indexes are dropped for the load and rebuilt after)"
    local started=$SECONDS
    sql <<SQL
\timing on
CREATE TABLE bench_meta AS SELECT $tasks::bigint AS tasks, date_trunc('second', now()) AS filled_at;
CREATE TEMP TABLE saved_indexes AS
    SELECT indexname, indexdef FROM pg_indexes
    WHERE schemaname = 'public' AND tablename IN ('execution_tasks', 'execution_logs') AND indexname NOT LIKE '%_pkey';
DO \$\$ DECLARE r record; BEGIN
    FOR r IN SELECT indexname FROM saved_indexes LOOP EXECUTE format('DROP INDEX %I', r.indexname); END LOOP;
END \$\$;
ALTER TABLE execution_logs DROP CONSTRAINT execution_logs_task_id_fkey;
-- The per-minute attempt counts (migration 6) are filled in one pass after the load, not by
-- the trigger from a 30-million-row transition table.
ALTER TABLE execution_logs DISABLE TRIGGER execution_logs_count_attempts;

-- Task i of n, created evenly over $span days. The newest 400 are the live queue; older ones
-- are finished: 0.4 % FAILED, 0.1 % DEAD, a few HELD, the rest SUCCESS.
CREATE FUNCTION bench_status(i bigint, n bigint) RETURNS text IMMUTABLE LANGUAGE sql AS \$f\$
    SELECT CASE
        WHEN i > n - 400 THEN CASE WHEN i % 20 < 15 THEN 'PENDING' WHEN i % 20 = 15 THEN 'RUNNING' ELSE 'RETRYING' END
        WHEN (i * 7919) % 10000 < 40 THEN 'FAILED'
        WHEN (i * 7919) % 10000 < 50 THEN 'DEAD'
        WHEN (i * 7919) % 10000 = 50 AND i % 7 = 0 THEN 'HELD'
        ELSE 'SUCCESS' END
\$f\$;

INSERT INTO execution_tasks (id, trade_id, event_type, status, attempts, max_attempts, last_error, payload,
    last_attempt_at, created_at, updated_at, available_at, locked_by, locked_until, finished_at,
    dead_letter_reason, dead_lettered_at)
SELECT i, 'ES-' || (i + 1) / 2, e, s,
    CASE s WHEN 'SUCCESS' THEN 1 + (i % 10 = 0)::int WHEN 'FAILED' THEN 5 WHEN 'DEAD' THEN 5
           WHEN 'RETRYING' THEN 1 + i % 3 WHEN 'RUNNING' THEN 1 ELSE 0 END,
    5,
    CASE WHEN s IN ('FAILED', 'DEAD', 'RETRYING') THEN 'broker rejected order: margin ' || i % 97 END,
    CASE e WHEN 'ENTRY' THEN jsonb_build_object('kind', 'ENTRY', 'direction', CASE WHEN i % 4 = 1 THEN 'LONG' ELSE 'SHORT' END,
              'entry_price', 4000 + (i % 800) * 0.25, 'stop_loss', 3995 + (i % 800) * 0.25, 'session', 'NY AM', 'bias', 'Bullish')
           ELSE jsonb_build_object('kind', 'EXIT', 'exit_type', 'SL', 'exit_price', 3995 + (i % 800) * 0.25,
              'final_be_mfe', 1.5, 'final_no_be_mfe', 2.3) END,
    CASE WHEN s <> 'PENDING' THEN c + interval '1 second' END, c, c + interval '2 seconds',
    CASE WHEN s = 'RETRYING' AND i % 2 = 0 THEN m.filled_at + interval '30 seconds' ELSE c END,
    CASE WHEN s = 'RUNNING' THEN 'r-' || i % 3 END,
    CASE WHEN s = 'RUNNING' THEN m.filled_at + interval '30 seconds' END,
    CASE WHEN s IN ('SUCCESS', 'FAILED', 'DEAD') THEN c + interval '2 seconds' END,
    CASE WHEN s = 'DEAD' THEN 'poison: unusable payload' END,
    CASE WHEN s = 'DEAD' THEN c + interval '3 seconds' END
FROM bench_meta m, generate_series(1, m.tasks) AS i,
    LATERAL (SELECT m.filled_at - interval '$span days' + (interval '$span days') * (i::float8 / m.tasks) AS c,
                    CASE WHEN i % 2 = 1 THEN 'ENTRY' ELSE 'EXIT' END AS e, bench_status(i, m.tasks) AS s) AS t;
SELECT setval('execution_tasks_id_seq', (SELECT tasks FROM bench_meta));

-- Three audit rows per task, each for another of 50 accounts (an EXIT's the same as its ENTRY's), a second
-- apart after the task was created.
INSERT INTO execution_logs (id, task_id, status, response_code, response_body, created_at, event, account,
    actor, router_id, duration_ms)
SELECT j, task, CASE WHEN ev = 'ATTEMPT' THEN st ELSE 'PENDING' END,
    CASE WHEN ev <> 'ATTEMPT' THEN NULL WHEN st = 'SUCCESS' THEN 200 ELSE 500 END,
    CASE WHEN ev <> 'ATTEMPT' THEN 'retry requested' WHEN st = 'SUCCESS' THEN 'accepted: order ' || j
         ELSE 'broker rejected order: margin ' || j % 97 END,
    m.filled_at - interval '$span days' + (interval '$span days') * (task::float8 / m.tasks) + (1 + j % 3) * interval '1 second',
    ev, 'acct-' || ((((k.task + 1) / 2) % 17) * 3 + j % 3) % 50, CASE WHEN ev <> 'ATTEMPT' THEN 'ops@desk' END, 'r-' || task % 3, 20 + j % 180
FROM bench_meta m, generate_series(1, 3 * m.tasks) AS j,
    LATERAL (SELECT (j + 2) / 3 AS task) AS k,
    LATERAL (SELECT CASE bench_status(k.task, m.tasks) WHEN 'SUCCESS' THEN 'SUCCESS' ELSE 'FAILED' END AS st,
                    CASE WHEN j % 50 = 0 THEN 'RETRY_REQUESTED' ELSE 'ATTEMPT' END AS ev) AS x;
SELECT setval('execution_logs_id_seq', 3 * (SELECT tasks FROM bench_meta));
INSERT INTO switchyard_attempt_minutes (minute, shard, succeeded, failed)
SELECT date_trunc('minute', created_at), 0, count(*) FILTER (WHERE status = 'SUCCESS'), count(*) FILTER (WHERE status = 'FAILED')
FROM execution_logs WHERE event = 'ATTEMPT' AND status IN ('SUCCESS', 'FAILED') GROUP BY 1 ORDER BY 1;
ALTER TABLE execution_logs ENABLE TRIGGER execution_logs_count_attempts;

DO \$\$ DECLARE r record; BEGIN
    FOR r IN SELECT indexdef FROM saved_indexes LOOP EXECUTE r.indexdef; END LOOP;
END \$\$;
ALTER TABLE execution_logs ADD CONSTRAINT execution_logs_task_id_fkey
    FOREIGN KEY (task_id) REFERENCES execution_tasks(id) ON DELETE CASCADE;

INSERT INTO switchyard_routers (id, host, pid, started_at, heartbeat_at, dry_run, in_flight, processed)
SELECT 'r-' || r, 'router-' || r, 1000 + r, m.filled_at - interval '2 days', m.filled_at - r * interval '1 second', true, 5, 3000000
FROM bench_meta m, generate_series(0, 2) AS r;
-- Statistics before migration 11 reads the loaded rows: without them its open-positions query
-- was planned for empty tables (over 14 minutes for 300,000 tasks at load 8; 3 s with them).
ANALYZE execution_tasks;
ANALYZE execution_logs;
SQL
    say "loaded in $((SECONDS - started)) s; migrating to the latest version (per-account figures from the loaded rows)"
    local migrated=$SECONDS
    DATABASE_URL="$url" "$bin" migrate up >&2
    say "migrated in $((SECONDS - migrated)) s; VACUUM ANALYZE"
    sql -c "VACUUM (ANALYZE) execution_tasks" -c "VACUUM (ANALYZE) execution_logs" -c "VACUUM (ANALYZE) switchyard_attempt_minutes" \
        -c "VACUUM (ANALYZE) switchyard_account_minutes" -c "VACUUM (ANALYZE) switchyard_open_positions"
    say "filled in $((SECONDS - started)) s; $(sql -c "SELECT pg_size_pretty(pg_database_size(current_database()))") on disk"
}

time_all() {
    start
    swift build -c "$config" --product switchyard >/dev/null
    mkdir -p "$results"
    local at; at=$(sql -c "SELECT to_char(filled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM bench_meta")
    local out="$results/monitor-$(date -u +%Y%m%dT%H%M%SZ).txt"
    say "timing (median of $runs) at $at; results in $out"
    {
        # The machine may be shared: the load travels with the figures.
        echo "# $(date -u +%FT%TZ), load average (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
        echo "# Dashboard snapshot through the engine (switchyard stats --bench $runs), at the fill time $at"
        DATABASE_URL="$url" "$bin" stats --at "$at" --bench "$runs"
        echo
        echo "# The seed system's monitoring queries (psql, server-side time, median of $runs)"
        seed_queries
        echo
        echo "# Table sizes"
        sql -F ' ' -c "SELECT relname, pg_size_pretty(pg_total_relation_size(oid)), reltuples::bigint FROM pg_class
                       WHERE relname IN ('execution_tasks', 'execution_logs') ORDER BY 1"
        echo
        echo "# EXPLAIN (ANALYZE, BUFFERS) of every snapshot query (auto_explain, one warm snapshot)"
        explain_snapshot "$at"
        echo
        echo "# $(date -u +%FT%TZ), load average (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
    } > "$out"
    cat "$out"
}

# The seed system watched its queue with these (name|SQL), over the whole tables.
seed_query_list="pending count|SELECT count(*) FROM execution_tasks WHERE status = 'PENDING'
created per minute|SELECT date_trunc('minute', created_at) AS minute, count(*) FROM execution_tasks GROUP BY 1 ORDER BY 1
processed per minute|SELECT date_trunc('minute', created_at) AS minute, count(*) FILTER (WHERE status = 'SUCCESS') AS succeeded, count(*) FILTER (WHERE status = 'FAILED') AS failed FROM execution_logs GROUP BY 1 ORDER BY 1
recent logs join|SELECT l.*, t.trade_id, t.event_type FROM execution_logs l JOIN execution_tasks t ON t.id = l.task_id ORDER BY l.created_at DESC LIMIT 50
failed list|SELECT * FROM execution_tasks WHERE status = 'FAILED' ORDER BY updated_at DESC LIMIT 50"

# Each timed by EXPLAIN ANALYZE's execution time (server side, no transfer), median of RUNS.
seed_queries() {
    local name query
    while IFS='|' read -r name query; do
        local times=()
        for _ in $(seq 1 "$runs"); do
            times+=("$(sql -c "EXPLAIN (ANALYZE, FORMAT JSON) $query" | grep -o '"Execution Time": [0-9.]*' | grep -o '[0-9.]*$')")
        done
        printf '%-22s %10.1f ms\n' "$name" "$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")"
    done <<< "$seed_query_list"
    echo
    while IFS='|' read -r name query; do
        echo "## $name"
        echo "$query"
        sql -c "EXPLAIN (ANALYZE, BUFFERS) $query"
        echo
    done <<< "$seed_query_list"
}

# auto_explain logs the plan of every statement of one snapshot into the server log.
explain_snapshot() {
    local home log mark
    home=$(cat "$dir/location" 2>/dev/null || echo "$dir")
    log="$home/run/server.log"
    mark=$(wc -l < "$log")
    PGOPTIONS="-c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=0 -c auto_explain.log_analyze=on -c auto_explain.log_buffers=on -c auto_explain.log_timing=on" \
        DATABASE_URL="$url" "$bin" stats --at "$1" --json >/dev/null
    tail -n +"$((mark + 1))" "$log" | sed -e 's/^[0-9-]* [0-9:.]* [A-Z]* \[[0-9]*\] //' \
        | grep -v -e '^LOG:  duration: [0-9.]* ms  statement:' -e 'set_config' 
}

case "${1:-all}" in
    fill) fill ;;
    time) time_all ;;
    snapshot) # only the engine's figures: quick to repeat when the machine's load was unsteady
        start
        swift build -c "$config" --product switchyard >/dev/null
        echo "# $(date -u +%FT%TZ), load average (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
        DATABASE_URL="$url" "$bin" stats --bench "$runs" \
            --at "$(sql -c "SELECT to_char(filled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM bench_meta")"
        echo "# $(date -u +%FT%TZ), load average (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg)" ;;
    all) fill; time_all ;;
    stop) scripts/pg.sh stop "$dir" ;;
    destroy) scripts/pg.sh destroy "$dir" ;;
    *) echo "usage: scripts/bench-monitor.sh [fill|time|snapshot|all|stop|destroy]" >&2; exit 2 ;;
esac
