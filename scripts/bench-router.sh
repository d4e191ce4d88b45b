#!/usr/bin/env bash
# `make bench-router`: how fast the router drains the queue, beside PgQueuer and pgbench
# running the router's own SQL, and how soon it picks up a task. A benchmark, not a test: it
# prints figures and asserts nothing about speed.
#
#   scripts/bench-router.sh [all|drain|steady|pgqueuer|ceiling|pickup|metrics|destroy]   (default: all)
#
# Everything runs on a private cluster in .pgbench-router/ (git-ignored) with the release
# build, each drain on a fresh database unless said otherwise:
#   drain     TASKS (default 100,000) dry-run tasks (ENTRY/EXIT pairs, no injected latency),
#             RUNS (default 3) times each, median tasks/s: `switchyard router` with no tuning
#             flag and one account; tuned (TUNED, default "--batch-size 1000")
#             with one account and with the three demo accounts.
#   steady    five tuned drains of TASKS in a row on one database, no manual VACUUM or ANALYZE
#             (autovacuum as migration 8 sets it): each rate and slowest / fastest.
#   pgqueuer  PgQueuer 1.6 (PyPI, in .bench-venv/), a no-op entrypoint, batch_size 20,
#             PGQ_JOBS (default 20,000) jobs; and `switchyard router` with its defaults, one
#             account, on as many tasks, on the same server: RUNS each, medians and the ratio.
#   ceiling   pgbench, no router, 2 clients, batch PGBENCH_BATCH (default 200): the engine's own
#             claim and completion (`switchyard bench-sql engine`, one and three accounts), and
#             the minimal single statement per batch (`switchyard bench-sql minimal`).
#   pickup    an idle router with its defaults; PICKUPS (default 500) tasks inserted one by one,
#             10 ms apart; enqueue to claim (created_at to last_attempt_at) p50 / p99 / max.
#   metrics   (not part of all; `make bench-metrics` runs it) METRICS_RUNS (default 5) pairs of
#             drains of TASKS with the three demo accounts: without --metrics-listen, then with it
#             and /metrics fetched every second during the drain; medians and their ratio.
#             SCRAPE_EVERY=0 keeps --metrics-listen but fetches nothing: the counters' own cost.
# A summary with the ratios ends the output. Output goes to stdout and
# bench-results/router-<time>.txt (git-ignored), with the load average before each part.
# destroy   stop the cluster and remove its folder.
set -euo pipefail
source "$(dirname "$0")/bench/common.sh"
dir="$project/.pgbench-router"
tasks=${TASKS:-100000}
runs=${RUNS:-3}
tuned=${TUNED:---batch-size 1000}
pgq_jobs=${PGQ_JOBS:-20000}
pickups=${PICKUPS:-500}
pgbench_batch=${PGBENCH_BATCH:-200}
# SQL run on each fresh database after migrating, to compare with a feature switched off, e.g.
# AFTER_MIGRATE="ALTER TABLE execution_logs DISABLE TRIGGER execution_logs_count_account_attempts".
after_migrate=${AFTER_MIGRATE:-}

bench_begin router "${1:-all}" drain steady pgqueuer ceiling pickup metrics ab
declare -A summary

url=$(scripts/pg.sh start "$dir")
# Room for a burst without a checkpoint in the middle of a run, and pg_stat_statements for the
# statements' costs; written once, then a restart.
if [ "$(sql "$url" -c "SHOW max_wal_size")" != "8GB" ] || [ "$(sql "$url" -c "SHOW shared_preload_libraries")" != "pg_stat_statements" ]; then
    sql "$url" -c "ALTER SYSTEM SET shared_buffers = '512MB'" -c "ALTER SYSTEM SET max_wal_size = '8GB'" \
        -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"
    scripts/pg.sh stop "$dir"
    url=$(scripts/pg.sh start "$dir")
fi

say "building the release binary"
swift build -c release --product switchyard 2>&1 | tail -1
one_account="$dir/one-account.json"
echo '{"accounts": [{"name": "solo", "point_value": 50, "risk_per_trade": 1000, "max_contracts": 5}]}' >"$one_account"

# A fresh, migrated database named $1 (default bench_router); sets db.
fresh() {
    local name=${1:-bench_router}
    sql "$url" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name"
    db=${url/\/switchyard\?//$name?}
    sql "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
    DATABASE_URL=$db "$bin" migrate up >/dev/null
    if [ -n "$after_migrate" ]; then sql "$db" -c "$after_migrate"; fi
}

# The mean server time of the router's claim and completion since the last reset, in ms.
statement_costs() {
    sql "$db" -c "SELECT string_agg(name || ' ' || round(mean_exec_time::numeric, 1) || ' ms', ', ' ORDER BY name)
                  FROM (SELECT CASE WHEN query LIKE '%last_attempt_at = clock_timestamp()%' THEN 'claim'
                                    WHEN query LIKE 'WITH logged AS%' THEN 'completion' END AS name, mean_exec_time
                        FROM pg_stat_statements) AS s WHERE name IS NOT NULL"
}

# $1 more tasks (ENTRY/EXIT pairs), then a checkpoint, so the run starts clean.
enqueue() {
    DATABASE_URL=$db "$bin" enqueue --synthetic $(($1 / 2)) >/dev/null
    sql "$db" -c "CHECKPOINT"
}

check_all_succeeded() {
    local left; left=$(sql "$db" -c "SELECT count(*) FROM execution_tasks WHERE status <> 'SUCCESS'")
    [ "$left" = 0 ] || { say "$left tasks did not succeed"; exit 1; }
}

# One drain of what is queued in $db: prints the rate; ROUTER-ARGS follow the count.
drain_once() {
    local count=$1; shift
    local started; started=$(now)
    DATABASE_URL=$db "$bin" router --exit-when-idle "$@" 2>"$dir/router.log"
    local elapsed; elapsed=$(echo "$(now) - $started" | bc -l)
    grep -h "error:" "$dir/router.log" | sed 's/^/  router: /' || true
    check_all_succeeded
    echo "$count / $elapsed" | bc -l
}

# drain KEY LABEL TASKS ROUTER-ARGS...: RUNS drains on fresh databases, then the median.
drain() {
    local key=$1 label=$2 count=$3; shift 3
    local rates=()
    for run in $(seq 1 "$runs"); do
        fresh
        enqueue "$count"
        local rate; rate=$(drain_once "$count" --router-id "bench-$run" "$@")
        rates+=("$rate")
        printf '  %-46s run %d: %7.0f tasks/s\n' "$label" "$run" "$rate"
    done
    summary[$key]=$(printf '%.0f' "$(printf '%s\n' "${rates[@]}" | median)")
    printf '  %-46s median of %d: %7.0f tasks/s\n' "$label" "$runs" "${summary[$key]}"
}

# pgbench_drain KEY LABEL SCRIPT-ARGS...: the script `switchyard bench-sql` prints, 2 clients,
# RUNS times on fresh databases of TASKS tasks, timed to the last completion.
pgbench_drain() {
    local key=$1 label=$2; shift 2
    local script; script=$(mktemp /tmp/bench-router-pgbench.XXXXXX.sql)
    "$bin" bench-sql "$@" --batch "$pgbench_batch" >"$script"
    # Enough transactions for every task, and some to spare for claims that found EXITs waiting.
    local per_client=$(( tasks / pgbench_batch / 2 * 3 / 2 + 10 ))
    local rates=()
    for run in $(seq 1 "$runs"); do
        fresh
        enqueue "$tasks"
        local started; started=$(now)
        PGOPTIONS="-c jit=off -c enable_bitmapscan=off -c enable_seqscan=off" \
            "$bindir/pgbench" -n -M extended -c 2 -j 2 -t "$per_client" -f "$script" "$db" >"$dir/pgbench.log" 2>&1 \
            || { tail -5 "$dir/pgbench.log"; exit 1; }
        check_all_succeeded
        # Up to the last completion: the spare transactions at the end, which find nothing, do not count.
        local finished; finished=$(sql "$db" -c "SELECT extract(epoch FROM max(finished_at)) FROM execution_tasks")
        local rate; rate=$(echo "$tasks / ($finished - $started)" | bc -l)
        rates+=("$rate")
        printf '  %-46s run %d: %7.0f tasks/s\n' "$label" "$run" "$rate"
    done
    summary[$key]=$(printf '%.0f' "$(printf '%s\n' "${rates[@]}" | median)")
    printf '  %-46s median of %d: %7.0f tasks/s\n' "$label" "$runs" "${summary[$key]}"
    rm -f "$script"
}

# pickup LABEL ROUTER-ARGS...: an idle router, PICKUPS single inserts 10 ms apart.
pickup() {
    local label=$1; shift
    fresh
    trickle "$db" bench-pickup "$pickups" '{"kind":"ENTRY","direction":"LONG","entry_price":4156.25,"stop_loss":4150.00,"session":"NY AM","bias":"Bullish"}' "$@"
    sql "$db" -F ' ' -c "
        SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2),
               round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2),
               round(max(ms)::numeric, 2)
        FROM (SELECT extract(epoch FROM last_attempt_at - created_at) * 1000 AS ms FROM execution_tasks) AS latency" |
        { read -r p50 p99 max; printf '  %-46s %d tasks: p50 %s ms, p99 %s ms, max %s ms\n' "$label" "$pickups" "$p50" "$p99" "$max"; }
}

# One drain with --metrics-listen on a port the system picks and, beside it, /metrics fetched
# every second (the URL read from the router's log); prints the rate. Scrapes go to
# $dir/scrapes.log, one line each.
metrics_drain_once() {
    local count=$1; shift
    rm -f "$dir/router.log" "$dir/scrapes.log"
    (
        endpoint=""
        until [ -n "$endpoint" ]; do
            sleep 0.02
            endpoint=$(grep -o 'http://127.0.0.1:[0-9]*/metrics' "$dir/router.log" 2>/dev/null | head -1 || true)
        done
        [ "${SCRAPE_EVERY:-1}" = 0 ] && exit 0
        while true; do
            curl -sf -o /dev/null -w '%{time_total}\n' "$endpoint" >>"$dir/scrapes.log" || true
            sleep "${SCRAPE_EVERY:-1}"
        done
    ) &
    local scraper=$!
    drain_once "$count" --metrics-listen 127.0.0.1:0 "$@"
    kill "$scraper" 2>/dev/null || true
    wait "$scraper" 2>/dev/null || true
}

ratio() { # ratio A B: A / B with two decimals, or "n/a"
    if [ -n "${summary[$1]:-}" ] && [ -n "${summary[$2]:-}" ]; then printf '%.2f' "$(echo "${summary[$1]} / ${summary[$2]}" | bc -l)"; else echo "n/a"; fi
}

say "switchyard router benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, PostgreSQL $(sql "$url" -c "SHOW server_version")"
say "tuned means: $tuned"
if wants drain; then
    say "drain: $tasks dry-run tasks (ENTRY/EXIT pairs), no injected latency, a fresh database each run"
    load
    drain defaults "defaults, 1 account" "$tasks" --accounts "$one_account"
    load
    drain tuned1 "tuned, 1 account" "$tasks" $tuned --accounts "$one_account"
    load
    drain tuned3 "tuned, 3 demo accounts" "$tasks" $tuned
fi
if wants steady; then
    load
    say "steady: five tuned drains of $tasks tasks in a row on one database, 1 account, no manual VACUUM or ANALYZE"
    fresh
    steady=()
    for run in 1 2 3 4 5; do
        enqueue "$tasks"
        sql "$db" -c "SELECT pg_stat_statements_reset()" >/dev/null
        rate=$(drain_once "$tasks" --router-id "steady-$run" $tuned --accounts "$one_account")
        steady+=("$rate")
        printf '  %-46s run %d: %7.0f tasks/s (table: %s tasks; per batch: %s; autovacuum/autoanalyze so far: %s)\n' \
            "tuned, 1 account, same database" "$run" "$rate" "$(sql "$db" -c "SELECT count(*) FROM execution_tasks")" \
            "$(statement_costs)" \
            "$(sql "$db" -c "SELECT string_agg(relname || ' ' || autovacuum_count || '/' || autoanalyze_count, ', ' ORDER BY relname)
                             FROM pg_stat_user_tables WHERE relname IN ('execution_tasks', 'execution_logs')")"
    done
    slowest=$(printf '%s\n' "${steady[@]}" | sort -g | head -1)
    fastest=$(printf '%s\n' "${steady[@]}" | sort -g | tail -1)
    summary[steady]=$(echo "$slowest / $fastest" | bc -l)
    printf '  %-46s %.2f (aim: at least 0.80)\n' "slowest / fastest" "${summary[steady]}"
fi
if wants pgqueuer; then
    load
    say "pgqueuer: $pgq_jobs jobs, a no-op entrypoint, batch_size 20; then switchyard's defaults on $pgq_jobs tasks, 1 account"
    python=$(scripts/bench/pgqueuer-setup.sh)
    fresh bench_pgqueuer
    "$python" scripts/bench/pgqueuer-drain.py --dsn "$db" --jobs "$pgq_jobs" --batch-size 20 --runs "$runs" | tee "$dir/pgqueuer.log" | sed 's/^/  /'
    summary[pgqueuer]=$(printf '%.0f' "$(sed -n 's/^pgqueuer_jobs_per_second=//p' "$dir/pgqueuer.log" | median)")
    printf '  %-46s median of %d: %7.0f jobs/s\n' "PgQueuer, batch_size 20" "$runs" "${summary[pgqueuer]}"
    drain defaults_small "switchyard defaults, 1 account" "$pgq_jobs" --accounts "$one_account"
fi
if wants ceiling; then
    load
    say "ceiling: pgbench, no router, 2 clients, batch $pgbench_batch, $tasks tasks"
    pgbench_drain engine1 "engine's claim + completion, 1 account" engine --accounts 1
    pgbench_drain engine3 "engine's claim + completion, 3 accounts" engine --accounts 3
    pgbench_drain minimal "minimal: one statement per batch" minimal
fi
# ab (not part of all): RUNS pairs of defaults drains, A as built and B with AB_SQL run after
# migrating (a feature switched off) or with AB_BIN, another switchyard binary (the release
# build of the commit before a change: its own migrations, its own router), or both; the pair
# order alternates so a busy machine's drift hits both alike. Medians and their ratio.
if [ "$part" = ab ]; then
    ab_bin=${AB_BIN:-}
    if [ -n "$ab_bin" ]; then
        [ -x "$ab_bin" ] || { say "ab: AB_BIN=$ab_bin is not an executable"; exit 1; }
        ab_sql=${AB_SQL:-}
    else
        ab_sql=${AB_SQL:-ALTER TABLE execution_logs DISABLE TRIGGER execution_logs_count_account_attempts}
    fi
    built=$bin
    say "ab: $runs pairs of defaults drains of $tasks tasks, 1 account; B runs:${ab_bin:+ $ab_bin}${ab_sql:+ after $ab_sql}"
    with=() without=()
    for run in $(seq 1 "$runs"); do
        sides="A B"
        if [ $((run % 2)) = 0 ]; then sides="B A"; fi
        for side in $sides; do
            after_migrate="" bin=$built
            if [ "$side" = B ]; then after_migrate=$ab_sql bin=${ab_bin:-$built}; fi
            fresh
            enqueue "$tasks"
            rate=$(drain_once "$tasks" --router-id "ab-$side-$run" --accounts "$one_account")
            if [ "$side" = A ]; then with+=("$rate"); else without+=("$rate"); fi
            printf '  pair %d %s: %7.0f tasks/s   (load %s)\n' "$run" "$side" "$rate" "$(cut -d' ' -f1 /proc/loadavg)"
        done
    done
    bin=$built
    median_a=$(printf '%s\n' "${with[@]}" | median) median_b=$(printf '%s\n' "${without[@]}" | median)
    printf '  median A (as built): %.0f tasks/s; median B: %.0f tasks/s; A / B %.2f\n' \
        "$median_a" "$median_b" "$(echo "$median_a / $median_b" | bc -l)"
fi
if wants pickup; then
    load
    say "pick-up: enqueue to claim, an idle router with its defaults, $pickups tasks inserted one by one 10 ms apart"
    pickup "defaults, 1 account" --accounts "$one_account"
fi
if [ "$part" = metrics ]; then
    command -v curl >/dev/null || { say "metrics: needs curl (apt-get install -y curl)"; exit 1; }
    metrics_runs=${METRICS_RUNS:-5}
    say "metrics: $metrics_runs pairs of drains of $tasks tasks, 3 demo accounts, defaults: without --metrics-listen, then with it (SCRAPE_EVERY=${SCRAPE_EVERY:-1} s between scrapes; 0: none)"
    without=() with=() scrapes=()
    scraped_label="with --metrics-listen, scraped every ${SCRAPE_EVERY:-1} s"
    [ "${SCRAPE_EVERY:-1}" = 0 ] && scraped_label="with --metrics-listen, never scraped"
    for run in $(seq 1 "$metrics_runs"); do
        load
        fresh; enqueue "$tasks"
        rate=$(drain_once "$tasks" --router-id "plain-$run")
        without+=("$rate")
        printf '  %-46s run %d: %7.0f tasks/s\n' "without metrics" "$run" "$rate"
        fresh; enqueue "$tasks"
        rate=$(metrics_drain_once "$tasks" --router-id "scraped-$run")
        touch "$dir/scrapes.log"
        with+=("$rate")
        count=$(wc -l < "$dir/scrapes.log" 2>/dev/null || echo 0)
        scrapes+=("$count")
        printf '  %-46s run %d: %7.0f tasks/s (%d scrapes, median %s s each)\n' "$scraped_label" "$run" \
            "$rate" "$count" "$(median < "$dir/scrapes.log" 2>/dev/null || echo n/a)"
    done
    summary[plain]=$(printf '%.0f' "$(printf '%s\n' "${without[@]}" | median)")
    summary[scraped]=$(printf '%.0f' "$(printf '%s\n' "${with[@]}" | median)")
    printf '  %-46s median of %d: %7.0f tasks/s\n' "without metrics" "$metrics_runs" "${summary[plain]}" \
        "$scraped_label" "$metrics_runs" "${summary[scraped]}"
    printf '  %-46s %s (aim: at least 0.95)\n' "with / without" "$(ratio scraped plain)"
fi
load
say "summary (medians, tasks/s):"
printf '  %-58s %s\n' \
    "defaults, 1 account" "${summary[defaults]:-n/a}" \
    "tuned, 1 account" "${summary[tuned1]:-n/a}" \
    "tuned, 3 accounts" "${summary[tuned3]:-n/a}" \
    "pgbench, engine SQL, 1 account / 3 accounts" "${summary[engine1]:-n/a} / ${summary[engine3]:-n/a}" \
    "pgbench, minimal single statement" "${summary[minimal]:-n/a}" \
    "switchyard defaults / PgQueuer ($pgq_jobs each; aim 2.5)" "$(ratio defaults_small pgqueuer)" \
    "tuned router / pgbench engine SQL, 1 account (aim 0.80)" "$(ratio tuned1 engine1)" \
    "tuned router / pgbench engine SQL, 3 accounts" "$(ratio tuned3 engine3)" \
    "tuned router / minimal statement, 1 account" "$(ratio tuned1 minimal)" \
    "steady: slowest / fastest of five drains (aim 0.80)" "$(printf '%.2f' "${summary[steady]:-0}")"
say "saved to ${out#"$project"/}"
scripts/pg.sh stop "$dir"
