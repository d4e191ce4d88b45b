#!/usr/bin/env bash
# `make bench-router`: how fast one router drains the queue and how soon it picks up a task.
# A benchmark, not a test: it prints figures and asserts nothing about speed.
#
#   scripts/bench-router.sh [all|drain|pickup|ceiling|destroy]     (default: all)
#
# all      (or one part of it) a private cluster in .pgbench-router/ (git-ignored); the release build of
#          `switchyard`; then, each on a fresh database:
#            drain    TASKS (default 100,000) dry-run tasks (ENTRY/EXIT pairs, the three demo
#                     accounts, no injected latency) with one router process; RUNS (default 3)
#                     times; median tasks/s. Tuned (BATCH, CLAIM_LOOPS) and with one claim loop.
#            seed     the same router with the seed system's settings (poll 2 s, batch 20) over
#                     SEED_TASKS (default 20,000) tasks.
#            pick-up  an idle router; PICKUPS (default 500) tasks inserted one by one, 10 ms
#                     apart; enqueue-to-claim latency (created_at to last_attempt_at) p50/p99.
#            ceiling  pgbench, no router: the router's claim statement, then the audit rows
#                     (three per task) and the guarded status update in one transaction;
#                     batch PGBENCH_BATCH (default 200), 2 clients; timed to the last completion.
#          Output goes to stdout and bench-results/router-<time>.txt (git-ignored), with the
#          load average before each part (the machine may be shared). BENCH_DEBUG=1 prints
#          the raw timestamps of the pgbench runs.
# destroy  stop the cluster and remove its folder.
set -euo pipefail
project=$(cd "$(dirname "$0")/.." && pwd)
cd "$project"
dir="$project/.pgbench-router"
tasks=${TASKS:-100000}
runs=${RUNS:-3}
batch=${BATCH:-500}
loops=${CLAIM_LOOPS:-2}
seed_tasks=${SEED_TASKS:-20000}
pickups=${PICKUPS:-500}
pgbench_batch=${PGBENCH_BATCH:-200}
results="$project/bench-results"
bindir=$(pg_config --bindir 2>/dev/null || true)
[ -x "$bindir/pgbench" ] || bindir=/usr/lib/postgresql/15/bin
bin="$project/.build/release/switchyard"

part=${1:-all}
case "$part" in all|drain|pickup|ceiling|destroy) ;; *) echo "usage: $0 [all|drain|pickup|ceiling|destroy]" >&2; exit 64 ;; esac
if [ "$part" = destroy ]; then
    scripts/pg.sh stop "$dir" || true
    rm -rf "$dir"
    exit 0
fi

mkdir -p "$results"
out="$results/router-$(date -u +%Y%m%dT%H%M%SZ).txt"
exec > >(tee "$out") 2>&1

say() { echo "bench: $*"; }
load() { echo "load: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores) at $(date -u +%H:%M:%SZ)"; }
sql() { "$bindir/psql" "$1" -v ON_ERROR_STOP=1 -qAt "${@:2}"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
now() { date +%s.%N; }

url=$(scripts/pg.sh start "$dir")
# Room for a burst without a checkpoint in the middle of a run; written once, then a restart.
if [ "$(sql "$url" -c "SHOW max_wal_size")" != "8GB" ]; then
    sql "$url" -c "ALTER SYSTEM SET shared_buffers = '512MB'" -c "ALTER SYSTEM SET max_wal_size = '8GB'"
    scripts/pg.sh stop "$dir"
    url=$(scripts/pg.sh start "$dir")
fi

say "building the release binary"
swift build -c release --product switchyard 2>&1 | tail -1

# A fresh, migrated database; sets db.
fresh() {
    sql "$url" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS bench_router" -c "CREATE DATABASE bench_router"
    db=${url/\/switchyard\?//bench_router?}
    DATABASE_URL=$db "$bin" migrate up >/dev/null
}

# fresh, then $1 tasks (ENTRY/EXIT pairs) and a checkpoint, so the run starts clean.
fill() {
    fresh
    DATABASE_URL=$db "$bin" enqueue --synthetic $(($1 / 2)) >/dev/null
    sql "$db" -c "CHECKPOINT"
}

check_all_succeeded() {
    local done; done=$(sql "$db" -c "SELECT count(*) FROM execution_tasks WHERE status = 'SUCCESS'")
    [ "$done" = "$1" ] || { say "only $done of $1 tasks succeeded"; exit 1; }
}

# drain LABEL TASKS ROUTER-ARGS...: RUNS drains, each rate printed, then the median.
drain() {
    local label=$1 count=$2; shift 2
    local rates=()
    for run in $(seq 1 "$runs"); do
        fill "$count"
        local started; started=$(now)
        DATABASE_URL=$db "$bin" router --exit-when-idle --router-id "bench-$run" "$@" 2>"$dir/router.log"
        grep -h "error:" "$dir/router.log" | sed 's/^/  router: /' || true
        local elapsed; elapsed=$(echo "$(now) - $started" | bc -l)
        check_all_succeeded "$count"
        local rate; rate=$(echo "$count / $elapsed" | bc -l)
        rates+=("$rate")
        printf '  %-34s run %d: %6d tasks in %6.2f s = %7.0f tasks/s\n' "$label" "$run" "$count" "$elapsed" "$rate"
    done
    printf '  %-34s median of %d: %7.0f tasks/s\n' "$label" "$runs" "$(printf '%s\n' "${rates[@]}" | median)"
}

# pickup LABEL ROUTER-ARGS...: an idle router, PICKUPS single inserts 10 ms apart.
pickup() {
    local label=$1; shift
    fresh
    DATABASE_URL=$db "$bin" router --router-id bench-pickup "$@" 2>/dev/null &
    local router=$!
    until [ "$(sql "$db" -c "SELECT count(*) FROM switchyard_routers WHERE id = 'bench-pickup'")" = 1 ]; do sleep 0.1; done
    sleep 1
    for i in $(seq 1 "$pickups"); do
        echo "INSERT INTO execution_tasks (trade_id, event_type, payload) VALUES ('PICKUP-$i', 'ENTRY', '{\"kind\":\"ENTRY\",\"direction\":\"LONG\",\"entry_price\":4156.25,\"stop_loss\":4150.00,\"session\":\"NY AM\",\"bias\":\"Bullish\"}');"
        echo "SELECT pg_sleep(0.01);"
    done | sql "$db" >/dev/null
    until [ "$(sql "$db" -c "SELECT count(*) FROM execution_tasks WHERE status = 'SUCCESS'")" = "$pickups" ]; do sleep 0.1; done
    kill -TERM "$router"
    wait "$router" || true
    sql "$db" -F ' ' -c "
        SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2),
               round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2),
               round(max(ms)::numeric, 2)
        FROM (SELECT extract(epoch FROM last_attempt_at - created_at) * 1000 AS ms FROM execution_tasks) AS latency" |
        { read -r p50 p99 max; printf '  %-34s %d tasks: p50 %s ms, p99 %s ms, max %s ms\n' "$label" "$pickups" "$p50" "$p99" "$max"; }
}

# The ceiling: the same SQL with no router around it.
ceiling() {
    local script; script=$(mktemp /tmp/bench-router-pgbench.XXXXXX.sql)
    cat >"$script" <<SQL
UPDATE execution_tasks AS t
SET status = 'RUNNING', attempts = t.attempts + 1, last_attempt_at = NOW(), updated_at = NOW(),
    locked_by = 'pgbench-' || :client_id, locked_until = now() + interval '10 seconds'
FROM (SELECT c.id FROM execution_tasks AS c
      WHERE c.status IN ('PENDING', 'RETRYING') AND c.available_at <= now()
        AND NOT (SELECT global_paused FROM switchyard_control WHERE id = 1)
        AND c.event_type <> ALL ((SELECT paused_event_types FROM switchyard_control WHERE id = 1)::text[])
        AND (c.event_type <> 'EXIT' OR NOT EXISTS (
             SELECT 1 FROM execution_tasks AS e
             WHERE e.trade_id = c.trade_id AND e.event_type = 'ENTRY' AND e.id < c.id
               AND e.status IN ('PENDING', 'RUNNING', 'RETRYING', 'HELD')))
      ORDER BY c.available_at, c.id
      LIMIT $pgbench_batch FOR UPDATE SKIP LOCKED) AS claimable
WHERE t.id = claimable.id
RETURNING t.id, t.trade_id, t.event_type, t.payload::text AS payload, t.attempts, t.max_attempts,
    CASE WHEN t.attempts > 1 THEN to_json(ARRAY(
        SELECT l.account FROM execution_logs AS l
        WHERE l.task_id = t.id AND l.event = 'ATTEMPT' AND l.status = 'SUCCESS' AND l.account IS NOT NULL))::text
    END AS accepted,
    CASE WHEN t.event_type = 'EXIT' THEN to_json(ARRAY(
        SELECT DISTINCT l.account
        FROM (SELECT e.id FROM execution_tasks AS e
              WHERE e.trade_id = t.trade_id AND e.event_type = 'ENTRY' AND e.id < t.id OFFSET 0) AS entry
        CROSS JOIN LATERAL (SELECT l.account FROM execution_logs AS l
                            WHERE l.task_id = entry.id AND l.event = 'ATTEMPT' AND l.status = 'SUCCESS'
                              AND l.account IS NOT NULL OFFSET 0) AS l))::text
    END AS entry_accepted;
BEGIN;
INSERT INTO execution_logs (task_id, status, response_code, response_body, event, account, router_id, actor, duration_ms)
SELECT t.id, 'SUCCESS', 200, 'dry-run: BUY 1 contract at 4150.25 accepted (switchyard-' || t.id || '-' || a.account || ')',
       'ATTEMPT', a.account, 'pgbench-' || :client_id, 'pgbench-' || :client_id, 0
FROM execution_tasks AS t CROSS JOIN (VALUES ('demo-es'), ('demo-mes'), ('demo-nq')) AS a(account)
WHERE t.status = 'RUNNING' AND t.locked_by = 'pgbench-' || :client_id
ORDER BY t.id
ON CONFLICT (task_id, account) WHERE event = 'ATTEMPT' AND status = 'SUCCESS' DO NOTHING;
UPDATE execution_tasks SET status = 'SUCCESS', last_error = NULL, locked_by = NULL, locked_until = NULL,
    updated_at = NOW(), finished_at = now()
WHERE status = 'RUNNING' AND locked_by = 'pgbench-' || :client_id;
COMMIT;
SQL
    local rates=()
    # Enough transactions for every task, and some to spare for claims that found EXITs waiting.
    local per_client=$(( tasks / pgbench_batch / 2 * 3 / 2 + 10 ))
    for run in $(seq 1 "$runs"); do
        fill "$tasks"
        local started; started=$(now)
        PGOPTIONS="-c jit=off -c enable_bitmapscan=off" "$bindir/pgbench" -n -c 2 -j 2 -t "$per_client" -f "$script" "$db" >/dev/null 2>&1
        check_all_succeeded "$tasks"
        # Up to the last completion: the spare transactions at the end, which find nothing, do not count.
        local finished; finished=$(sql "$db" -c "SELECT extract(epoch FROM max(finished_at)) FROM execution_tasks")
        local elapsed; elapsed=$(echo "$finished - $started" | bc -l)
        [ -n "${BENCH_DEBUG:-}" ] && say "started $started, last completion $finished, pgbench ended $(now)"
        local rate; rate=$(echo "$tasks / $elapsed" | bc -l)
        rates+=("$rate")
        printf '  %-34s run %d: %6d tasks in %6.2f s = %7.0f tasks/s\n' "pgbench, batch $pgbench_batch, 2 clients" "$run" "$tasks" "$elapsed" "$rate"
    done
    printf '  %-34s median of %d: %7.0f tasks/s\n' "pgbench, batch $pgbench_batch, 2 clients" "$runs" "$(printf '%s\n' "${rates[@]}" | median)"
    rm -f "$script"
}

say "switchyard router benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, PostgreSQL $(sql "$url" -c "SHOW server_version")"
if [ "$part" = all ] || [ "$part" = drain ]; then
    say "drain: $tasks dry-run tasks (ENTRY/EXIT pairs), 3 demo accounts (3 audit rows per task), no injected latency"
    load
    drain "tuned: batch $batch, $loops claim loops" "$tasks" --batch-size "$batch" --claim-loops "$loops"
    load
    drain "tuned: batch $batch, 1 claim loop" "$tasks" --batch-size "$batch" --claim-loops 1
    load
    drain "seed settings: poll 2 s, batch 20" "$seed_tasks" --poll-interval 2 --batch-size 20
fi
if [ "$part" = all ] || [ "$part" = pickup ]; then
    load
    say "pick-up: enqueue to claim, idle router, $pickups tasks inserted one by one 10 ms apart"
    pickup "tuned: batch $batch, $loops claim loops" --batch-size "$batch" --claim-loops "$loops"
    pickup "seed settings: poll 2 s, batch 20" --poll-interval 2 --batch-size 20
fi
if [ "$part" = all ] || [ "$part" = ceiling ]; then
    load
    say "ceiling: pgbench, no router"
    ceiling
fi
load
say "saved to ${out#"$project"/}"
scripts/pg.sh stop "$dir"
