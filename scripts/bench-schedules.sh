#!/usr/bin/env bash
# `make bench-schedules`: how late schedule runs are enqueued, and what the schedulers cost the
# server. A benchmark, not a test: it prints figures and asserts nothing about speed.
#
#   scripts/bench-schedules.sh [all|lateness|cost|destroy]   (default: all)
#
# Everything runs on a private cluster in .pgbench-schedules/ (git-ignored) with the release build:
#   lateness  three `switchyard router` processes (defaults) and one schedule `--every 1s`, until
#             RUNS (default 100) runs are enqueued: lateness of a run = when its task was inserted
#             (the run row's created_at, the inserting transaction's now()) minus the run's time;
#             p50 / p99 / max.
#   cost      COUNT (default 1,000) schedules, half `--every 1m`, half `--cron "* * * * *"` in
#             America/New_York (all due at the top of each minute: the worst case), and three
#             routers for SECONDS (default 120): the server time of every scheduler statement
#             (pg_stat_statements), per second of wall time and per run enqueued.
# Output goes to stdout and bench-results/schedules-<time>.txt (git-ignored).
# destroy   stop the cluster and remove its folder.
set -euo pipefail
source "$(dirname "$0")/bench/common.sh"
dir="$project/.pgbench-schedules"
runs=${RUNS:-100}
count=${COUNT:-1000}
seconds=${SECONDS_RUN:-120}

bench_begin schedules "${1:-all}" lateness cost

url=$(scripts/pg.sh start "$dir")
if [ "$(sql "$url" -c "SHOW shared_preload_libraries")" != "pg_stat_statements" ]; then
    sql "$url" -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"
    scripts/pg.sh stop "$dir"
    url=$(scripts/pg.sh start "$dir")
fi

say "building the release binary"
swift build -c release --product switchyard 2>&1 | tail -1

# A fresh, migrated database; sets db.
fresh() {
    sql "$url" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS bench_schedules" -c "CREATE DATABASE bench_schedules"
    db=${url/\/switchyard\?//bench_schedules?}
    sql "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
    DATABASE_URL=$db "$bin" migrate up >/dev/null
}

pids=()
start_routers() {
    for n in 1 2 3; do
        DATABASE_URL=$db "$bin" router --router-id "bench-$n" 2>"$dir/router-$n.log" &
        pids+=($!)
    done
}
stop_routers() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    pids=()
    grep -h "error" "$dir"/router-*.log | sort | uniq -c | sed 's/^/  router: /' || true
}
trap stop_routers EXIT

payload='{"kind":"ENTRY","direction":"LONG","entry_price":4156.25,"stop_loss":4150}'

if wants lateness; then
    load
    say "lateness: 3 routers, one schedule --every 1s, $runs runs"
    fresh
    start_routers
    sleep 2
    DATABASE_URL=$db "$bin" schedules add bench-every-1s --every 1s --event-type ENTRY --payload "$payload" >/dev/null
    while [ "$(sql "$db" -c "SELECT count(*) FROM switchyard_schedule_runs WHERE outcome = 'ENQUEUED'")" -lt "$runs" ]; do sleep 1; done
    stop_routers
    sql "$db" -F ' ' -c "
        WITH late AS (SELECT extract(epoch FROM created_at - run_at) * 1000 AS ms FROM switchyard_schedule_runs
                      WHERE outcome = 'ENQUEUED' ORDER BY run_at LIMIT $runs)
        SELECT 'runs', count(*), 'p50', round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2), 'ms',
               'p99', round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2), 'ms',
               'max', round(max(ms)::numeric, 2), 'ms', 'min', round(min(ms)::numeric, 2), 'ms' FROM late" | sed 's/^/  lateness: /'
    sql "$db" -F ' ' -c "SELECT router_id, count(*) FROM switchyard_schedule_runs GROUP BY 1 ORDER BY 1" | sed 's/^/  runs enqueued by /'
    sql "$db" -c "SELECT 'duplicate trade ids: ' || (count(*) - count(DISTINCT trade_id)) FROM execution_tasks" | sed 's/^/  /'
fi

if wants cost; then
    load
    say "cost: $count schedules (half --every 1m, half cron * * * * * in America/New_York), 3 routers, ${seconds}s"
    fresh
    sql "$db" -c "
        INSERT INTO switchyard_schedules (name, every_ms, cron, time_zone, event_type, payload, next_run_at, created_by)
        SELECT 'bench-' || n, CASE WHEN n % 2 = 0 THEN 60000 END, CASE WHEN n % 2 = 1 THEN '* * * * *' END,
               CASE WHEN n % 2 = 1 THEN 'America/New_York' ELSE 'UTC' END, 'ENTRY', '$payload'::jsonb,
               date_trunc('minute', now()) + interval '1 minute', 'bench'
        FROM generate_series(1, $count) AS n"
    sql "$db" -c "SELECT pg_stat_statements_reset()" >/dev/null
    started=$(date +%s.%N)
    start_routers
    sleep "$seconds"
    stop_routers
    elapsed=$(echo "$(date +%s.%N) - $started" | bc -l)
    enqueued=$(sql "$db" -c "SELECT count(*) FROM switchyard_schedule_runs WHERE outcome = 'ENQUEUED'")
    sql "$db" -F ' ' -c "
        SELECT name, calls, round(total_exec_time::numeric, 1) AS total_ms, round(mean_exec_time::numeric, 3) AS mean_ms
        FROM (SELECT CASE WHEN query LIKE '%switchyard_scheduler_clock%' THEN 'clock'
                          WHEN query LIKE '%FROM switchyard_schedules%next_run_at <=%FOR UPDATE SKIP LOCKED%' THEN 'due'
                          WHEN query LIKE '%INSERT INTO switchyard_schedule_runs%router_id, created_at%' THEN 'enqueue'
                          WHEN query LIKE 'UPDATE switchyard_schedules AS s%' THEN 'advance'
                          WHEN query LIKE '%min(next_run_at)%' THEN 'next'
                          WHEN query LIKE '%MISSED%switchyard_schedule_log%' THEN 'missed' END AS name,
                     calls, total_exec_time, mean_exec_time FROM pg_stat_statements) AS s
        WHERE name IS NOT NULL ORDER BY total_ms DESC" | sed 's/^/  statement /'
    total=$(sql "$db" -c "
        SELECT round(sum(total_exec_time)::numeric, 1) FROM pg_stat_statements
        WHERE query LIKE '%switchyard_scheduler_clock%' OR query LIKE '%FROM switchyard_schedules%next_run_at <=%'
           OR query LIKE '%INSERT INTO switchyard_schedule_runs%router_id, created_at%' OR query LIKE 'UPDATE switchyard_schedules AS s%'
           OR query LIKE '%min(next_run_at)%' OR query LIKE '%MISSED%switchyard_schedule_log%'")
    printf '  %s runs enqueued in %.1f s; scheduler statements %s ms of server time: %.2f ms per second, %.3f ms per run\n' \
        "$enqueued" "$elapsed" "$total" "$(echo "$total / $elapsed" | bc -l)" "$(echo "$total / ($enqueued + 0.000001)" | bc -l)"
    sql "$db" -F ' ' -c "
        SELECT 'lateness of the top-of-minute burst: p50', round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1), 'ms, p99',
               round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1), 'ms, max', round(max(ms)::numeric, 1), 'ms'
        FROM (SELECT extract(epoch FROM created_at - run_at) * 1000 AS ms FROM switchyard_schedule_runs WHERE outcome = 'ENQUEUED') AS l" | sed 's/^/  /'
fi
load
