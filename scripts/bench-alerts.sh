#!/usr/bin/env bash
# `make bench-alerts`: how soon an alert reaches its webhook, and what evaluating and delivering
# alerts costs the drain. A benchmark, not a test: it prints figures and asserts nothing about speed.
#
#   scripts/bench-alerts.sh [all|latency|drain|cost|destroy]   (default: all)
#
#   latency  one headless router with its defaults and a rule --failed-over 0 --cooldown 0
#            posting to a local webhook (python3's http.server, on 127.0.0.1); FIRINGS (default
#            20) times, after a random pause of up to 2 s: a task that fails at once is inserted, and the time from its finished_at
#            (the moment it became FAILED, database clock) to the webhook's arrival (host clock,
#            same machine) is taken; then the task is dead-lettered, and the resolved message
#            awaited before the next. p50 / p99 / max.
#   drain    TASKS (default 100,000) dry-run tasks drained by `switchyard router` with its
#            defaults, RUNS (default 3) times without alert rules and RUNS times with 5 rules
#            (failed-over, dead-over, lag-over 1 s — it fires during the drain and its message is
#            delivered —, failure-rate-over, account-refusals-over), alternating; medians and
#            the ratio. SCRAPE_EVERY=1: the drains with rules also run with --metrics-listen and
#            /metrics fetched every second (curl), so they carry both costs.
#   cost     one evaluation pass (`switchyard alerts evaluate`, timed in-process) with the 6
#            kinds of rule on COST_TASKS (default 10,000,000) tasks (0.1% FAILED, 0.02% DEAD,
#            0.05% PENDING, the rest SUCCESS) and a day of per-minute attempt and refusal counts;
#            the first pass opens episodes, the median of the next 5 is the steady cost.
# Everything runs on a private cluster in .pgbench-alerts/ (git-ignored) with the release
# build. Output goes to stdout and bench-results/alerts-<time>.txt (git-ignored).
# destroy  stop the cluster and remove its folder.
set -euo pipefail
source "$(dirname "$0")/bench/common.sh"
dir="$project/.pgbench-alerts"
tasks=${TASKS:-100000}
runs=${RUNS:-3}
firings=${FIRINGS:-20}
scrape_every=${SCRAPE_EVERY:-}
cost_tasks=${COST_TASKS:-10000000}
command -v python3 >/dev/null || { echo "bench-alerts needs python3 for its webhook receiver" >&2; exit 1; }

bench_begin alerts "${1:-all}" latency drain cost
mkdir -p "$dir"

url=$(scripts/pg.sh start "$dir")
say "building the release binary"
swift build -c release --product switchyard 2>&1 | tail -1

# The webhook: appends "arrival-epoch-seconds state rule" per POST to $arrivals, answers 200.
arrivals="$dir/arrivals.txt"
: >"$arrivals"
cat >"$dir/webhook.py" <<'EOF'
import http.server, json, sys, time
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        arrived = time.time()
        message = json.loads(body)
        with open(sys.argv[2], "a") as out:
            out.write(f"{arrived:.6f} {message['state']} {message['rule']}\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Hook).serve_forever()
EOF
port=$((20000 + RANDOM % 20000))
python3 "$dir/webhook.py" "$port" "$arrivals" &
webhook_pid=$!
router_pid=
scraper_pid=
cleanup() {
    [ -n "$router_pid" ] && kill "$router_pid" 2>/dev/null || true
    [ -n "$scraper_pid" ] && kill "$scraper_pid" 2>/dev/null || true
    kill "$webhook_pid" 2>/dev/null || true
}
trap cleanup EXIT
hook="http://127.0.0.1:$port/hook"

# A fresh, migrated database; sets db.
fresh() {
    sql "$url" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS bench_alerts" -c "CREATE DATABASE bench_alerts"
    db=${url/\/switchyard\?//bench_alerts?}
    DATABASE_URL=$db "$bin" migrate up >/dev/null
}

arrived() { grep -c " $1 " "$arrivals" || true; }
wait_for() {  # wait_for STATE COUNT: until the webhook has COUNT messages in STATE (60 s at most)
    local deadline=$(( $(date +%s) + 60 ))
    while [ "$(arrived "$1")" -lt "$2" ]; do
        [ "$(date +%s)" -lt "$deadline" ] || { say "no $1 message $2 within 60 s"; exit 1; }
        sleep 0.02
    done
}

if wants latency; then
    load
    say "latency: task FAILED -> webhook arrival, $firings firings, one router with its defaults"
    fresh
    : >"$arrivals"
    DATABASE_URL=$db "$bin" alerts add bench-failed --failed-over 0 --cooldown 0 --severity critical --webhook "$hook" >/dev/null
    DATABASE_URL=$db "$bin" router --router-id bench-alerts 2>"$dir/router.log" &
    router_pid=$!
    latencies=()
    for n in $(seq 1 "$firings"); do
        # A random pause first: each task then fails at a random point of the router's 2 s
        # evaluation cycle, not always just after the pass that saw the last one resolve.
        sleep "$(awk -v seed="$RANDOM" 'BEGIN { srand(seed); printf "%.3f", rand() * 2 }')"
        id=$(sql "$db" -c "INSERT INTO execution_tasks (trade_id, event_type, payload, max_attempts)
                           VALUES ('bench-alert-$n', 'ENTRY', '{\"kind\":\"ENTRY\"}', 1) RETURNING id")
        wait_for firing "$n"
        arrival=$(grep " firing " "$arrivals" | sed -n "${n}p" | cut -d' ' -f1)
        failed_at=$(sql "$db" -c "SELECT extract(epoch FROM finished_at) FROM execution_tasks WHERE id = $id")
        latency=$(echo "$arrival - $failed_at" | bc -l)
        latencies+=("$latency")
        printf '  firing %2d: %.3f s\n' "$n" "$latency"
        DATABASE_URL=$db "$bin" tasks dead-letter "$id" --reason "bench" >/dev/null
        wait_for resolved "$n"
    done
    kill "$router_pid"; wait "$router_pid" 2>/dev/null || true; router_pid=
    p50=$(printf '%s\n' "${latencies[@]}" | percentile 50)
    p99=$(printf '%s\n' "${latencies[@]}" | percentile 99)
    max=$(printf '%s\n' "${latencies[@]}" | sort -g | tail -1)
    printf '  FAILED -> webhook over %d firings: p50 %.3f s, p99 %.3f s, max %.3f s\n' "$firings" "$p50" "$p99" "$max"
    grep -h "error:" "$dir/router.log" | sed 's/^/  router: /' || true
fi

# Fetches the router's /metrics every $scrape_every s (its URL read from the router's log), one
# time per line into $dir/scrapes.log.
scrape() {
    local endpoint=""
    until [ -n "$endpoint" ]; do
        sleep 0.02
        endpoint=$(grep -o 'http://127.0.0.1:[0-9]*/metrics' "$dir/router.log" 2>/dev/null | head -1 || true)
    done
    while true; do
        curl -sf -o /dev/null -w '%{time_total}\n' "$endpoint" >>"$dir/scrapes.log" || true
        sleep "$scrape_every"
    done
}

if wants drain; then
    with_label="with 5 rules"
    if [ -n "$scrape_every" ]; then
        command -v curl >/dev/null || { say "SCRAPE_EVERY needs curl"; exit 1; }
        with_label="with 5 rules and /metrics every $scrape_every s"
    fi
    say "drain: $tasks tasks, router defaults, $runs runs without rules and $runs $with_label, alternating (odd pairs without first)"
    without=(); with=()
    for run in $(seq 1 "$runs"); do
        order="without with"
        [ $((run % 2)) = 1 ] || order="with without"
        for mode in $order; do
            fresh
            if [ "$mode" = with ]; then
                for rule in "failed --failed-over 0" "dead --dead-over 0" "lag --lag-over 1" \
                            "rate --failure-rate-over 5 --window 5" "refusals --account-refusals-over 3 --window 5"; do
                    # shellcheck disable=SC2086
                    DATABASE_URL=$db "$bin" alerts add bench-$rule --webhook "$hook" >/dev/null
                done
            fi
            DATABASE_URL=$db "$bin" enqueue --synthetic $((tasks / 2)) >/dev/null
            sql "$db" -c "CHECKPOINT"
            load
            extra=()
            rm -f "$dir/router.log" "$dir/scrapes.log"
            if [ "$mode" = with ] && [ -n "$scrape_every" ]; then
                extra=(--metrics-listen 127.0.0.1:0)
                : >"$dir/scrapes.log"
                scrape &
                scraper_pid=$!
            fi
            started=$(now)
            DATABASE_URL=$db "$bin" router --exit-when-idle --router-id "bench-$mode-$run" "${extra[@]}" 2>"$dir/router.log"
            elapsed=$(echo "$(now) - $started" | bc -l)
            if [ -n "$scraper_pid" ]; then kill "$scraper_pid"; wait "$scraper_pid" 2>/dev/null || true; scraper_pid=; fi
            left=$(sql "$db" -c "SELECT count(*) FROM execution_tasks WHERE status <> 'SUCCESS'")
            [ "$left" = 0 ] || { say "$left tasks did not succeed"; exit 1; }
            rate=$(echo "$tasks / $elapsed" | bc -l)
            if [ "$mode" = with ]; then
                with+=("$rate")
                fired=$(sql "$db" -c "SELECT count(*) FROM switchyard_alert_history WHERE event = 'fired'")
                delivered=$(sql "$db" -c "SELECT count(*) FROM switchyard_alert_history WHERE event = 'delivered'")
                scraped=""
                if [ -n "$scrape_every" ]; then
                    scraped=$(printf '; %d scrapes, median %.0f ms' "$(grep -c . "$dir/scrapes.log" || true)" \
                        "$(awk '{ print $1 * 1000 }' "$dir/scrapes.log" | median)")
                fi
                printf '  run %d %s: %7.0f tasks/s (%s fired, %s delivered during the drain%s)\n' "$run" "$with_label" "$rate" "$fired" "$delivered" "$scraped"
            else
                without+=("$rate")
                printf '  run %d without rules:   %7.0f tasks/s\n' "$run" "$rate"
            fi
        done
    done
    m_without=$(printf '%s\n' "${without[@]}" | median)
    m_with=$(printf '%s\n' "${with[@]}" | median)
    printf '  median without rules %.0f tasks/s, %s %.0f tasks/s: %.1f%% of the rate without\n' \
        "$m_without" "$with_label" "$m_with" "$(echo "$m_with * 100 / $m_without" | bc -l)"
fi
if wants cost; then
    load
    say "cost: one evaluation pass, 6 rules, $cost_tasks tasks"
    fresh
    sql "$db" -c "INSERT INTO execution_tasks (trade_id, event_type, status, payload, available_at, created_at, finished_at)
                  SELECT 'cost-' || g, 'ENTRY',
                         CASE WHEN g % 1000 = 0 THEN 'FAILED' WHEN g % 5000 = 1 THEN 'DEAD'
                              WHEN g % 2000 = 3 THEN 'PENDING' ELSE 'SUCCESS' END,
                         NULL, now() - interval '1 minute', now() - interval '1 day', now()
                  FROM generate_series(1, $cost_tasks) AS g" \
             -c "INSERT INTO switchyard_attempt_minutes (minute, shard, succeeded, failed)
                 SELECT date_trunc('minute', now()::timestamp) - m * interval '1 minute', s, 500, 5
                 FROM generate_series(0, 1439) AS m, generate_series(0, 7) AS s" \
             -c "INSERT INTO switchyard_account_minutes (minute, account, shard, accepted, refused)
                 SELECT date_trunc('minute', now()::timestamp) - m * interval '1 minute', 'acct-' || a, s, 100, 1
                 FROM generate_series(0, 1439) AS m, generate_series(1, 5) AS a, generate_series(0, 7) AS s" \
             -c "VACUUM ANALYZE execution_tasks" -c "CHECKPOINT"
    for rule in "failed --failed-over 0" "dead --dead-over 0" "lag --lag-over 1" "no-router --no-router-for 60" \
                "rate --failure-rate-over 5 --window 60" "refusals --account-refusals-over 3 --window 60"; do
        # shellcheck disable=SC2086
        DATABASE_URL=$db "$bin" alerts add cost-$rule --command true --cooldown 0 >/dev/null
    done
    passes=()
    for pass in 1 2 3 4 5 6; do
        line=$(DATABASE_URL=$db "$bin" alerts evaluate)
        ms=$(echo "$line" | sed -E 's/^evaluated in ([0-9.]+) ms.*/\1/')
        printf '  pass %d: %s\n' "$pass" "$line"
        [ "$pass" = 1 ] || passes+=("$ms")
    done
    printf '  one evaluation pass at %d tasks, 6 rules: median %s ms (passes 2-6)\n' "$cost_tasks" \
        "$(printf '%s\n' "${passes[@]}" | median)"
fi
say "results in $out"
