#!/usr/bin/env bash
# `make bench-live`: live routing against the broker simulator, beside the same work in dry-run.
# A benchmark, not a test: it prints figures and asserts nothing about speed.
#
#   scripts/bench-live.sh [all|drain|latency|destroy]   (default: all)
#
# On a private cluster in .pgbench-live/ (git-ignored) with the release build, one account,
# ENTRY tasks (an EXIT's live order needs its ENTRY's fill resolved first), each part on a fresh
# database, the router with its defaults:
#   drain    LIVE_TASKS (default 2,000) tasks enqueued at once, drained by `router --live`
#            against `switchyard broker-simulator` answering after 0 ms and after 50 ms, and by
#            a dry-run router (the same account in dry-run): orders/s, RUNS (default 3) each, median.
#   latency  LIVE_PICKUPS (default 300) tasks inserted one by one 10 ms apart into an idle
#            router: enqueue to the broker's answer recorded (the task's created_at to its audit
#            row's), p50 / p99 / max, at 0 ms and 50 ms of broker latency and in dry-run.
# Output goes to stdout and bench-results/live-<time>.txt (git-ignored).
# destroy  stop the cluster and remove its folder.
set -euo pipefail
source "$(dirname "$0")/bench/common.sh"
dir="$project/.pgbench-live"
tasks=${LIVE_TASKS:-2000}
pickups=${LIVE_PICKUPS:-300}
runs=${RUNS:-3}

bench_begin live "${1:-all}" drain latency
url=$(scripts/pg.sh start "$dir")
say "building the release binary"
swift build -c release --product switchyard 2>&1 | tail -1

export SWITCHYARD_BENCH_BROKER_TOKEN="bench-$RANDOM$RANDOM"
entry='{"kind":"ENTRY","direction":"LONG","entry_price":4156.25,"stop_loss":4150.00,"session":"NY AM","bias":"Bullish"}'

# fresh: a new migrated database; sets db.
fresh() {
    sql "$url" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS bench_live" -c "CREATE DATABASE bench_live"
    db=${url/\/switchyard\?//bench_live?}
    DATABASE_URL=$db "$bin" migrate up >/dev/null 2>&1
}

# simulator MS: starts the broker simulator answering after MS; sets simulator (pid) and accounts
# (a file with the one account live against it).
simulator() {
    "$bin" broker-simulator --listen 127.0.0.1:0 --token-env SWITCHYARD_BENCH_BROKER_TOKEN --delay "${1}ms" >"$dir/simulator.log" &
    simulator=$!
    until grep -q 'listening on' "$dir/simulator.log" 2>/dev/null; do sleep 0.05; done
    local address
    address=$(grep -o 'http://[0-9.:]*' "$dir/simulator.log")
    accounts="$dir/live.json"
    cat >"$accounts" <<EOF
{"accounts": [{"name": "bench", "point_value": 50, "risk_per_trade": 1000, "max_contracts": 2, "mode": "live",
  "symbol": "ES", "connector": {"url": "$address", "token_env": "SWITCHYARD_BENCH_BROKER_TOKEN"}}]}
EOF
}

dry_accounts="$dir/dry.json"
echo '{"accounts": [{"name": "bench", "point_value": 50, "risk_per_trade": 1000, "max_contracts": 2}]}' >"$dry_accounts"

# drain_once FLAGS...: enqueues $tasks, drains them with `router FLAGS --exit-when-idle`; prints orders/s.
drain_once() {
    fresh
    sql "$db" -c "INSERT INTO execution_tasks (trade_id, event_type, payload)
                  SELECT 'B-' || g, 'ENTRY', '$entry'::jsonb FROM generate_series(1, $tasks) AS g"
    local started ended
    started=$(now)
    DATABASE_URL=$db "$bin" router --exit-when-idle "$@" 2>/dev/null
    ended=$(now)
    local done_count
    done_count=$(sql "$db" -c "SELECT count(*) FROM execution_logs WHERE event = 'ATTEMPT' AND status = 'SUCCESS' AND account = 'bench'")
    [ "$done_count" = "$tasks" ] || say "only $done_count of $tasks orders accepted"
    awk -v n="$tasks" -v a="$started" -v b="$ended" 'BEGIN { printf "%.0f\n", n / (b - a) }'
}

# drains LABEL FLAGS...: RUNS drains; prints each and the median.
drains() {
    local label=$1; shift
    local rates=()
    for run in $(seq 1 "$runs"); do rates+=("$(drain_once "$@")"); done
    printf '  %-34s %s orders/s (runs: %s)\n' "$label" "$(printf '%s\n' "${rates[@]}" | median)" "${rates[*]}"
}

# pickup LABEL FLAGS...: an idle router; tasks inserted 10 ms apart; enqueue to answer recorded.
pickup() {
    local label=$1; shift
    fresh
    trickle "$db" bench-live "$pickups" "$entry" "$@"
    sql "$db" -F ' ' -c "
        SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2),
               round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2), round(max(ms)::numeric, 2)
        FROM (SELECT extract(epoch FROM l.created_at - t.created_at) * 1000 AS ms
              FROM execution_tasks AS t JOIN execution_logs AS l ON l.task_id = t.id AND l.event = 'ATTEMPT'
                AND l.status = 'SUCCESS') AS latency" |
        { read -r p50 p99 max; printf '  %-34s %d tasks: p50 %s ms, p99 %s ms, max %s ms\n' "$label" "$pickups" "$p50" "$p99" "$max"; }
}

stop_simulator() { kill -TERM "$simulator"; wait "$simulator" || true; }

# each_broker PART: PART LABEL FLAGS... live against the simulator at 0 and 50 ms, then in dry-run.
each_broker() {
    local part=$1
    for ms in 0 50; do
        simulator "$ms"
        "$part" "live, broker answers after ${ms} ms" --live --accounts "$accounts"
        stop_simulator
    done
    "$part" "dry-run" --accounts "$dry_accounts"
}

if wants drain; then
    load
    say "drain: $tasks ENTRY tasks at once, one account, router defaults, median of $runs"
    each_broker drains
fi
if wants latency; then
    load
    say "latency: $pickups tasks inserted 10 ms apart into an idle router; enqueue to the answer recorded"
    each_broker pickup
fi
scripts/pg.sh stop "$dir" >/dev/null
