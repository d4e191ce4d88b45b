#!/usr/bin/env bash
# `make bench-alerts`: how soon an alert reaches its webhook, and what evaluating and delivering
# alerts costs the drain. A benchmark, not a test: it prints figures and asserts nothing about speed.
#
#   scripts/bench-alerts.sh [all|latency|drain|destroy]   (default: all)
#
#   latency  one headless router with its defaults and a rule --failed-over 0 --cooldown 0
#            posting to a local webhook (python3's http.server, on 127.0.0.1); FIRINGS (default
#            20) times: a task that fails at once is inserted, and the time from its finished_at
#            (the moment it became FAILED, database clock) to the webhook's arrival (host clock,
#            same machine) is taken; then the task is dead-lettered, and the resolved message
#            awaited before the next. p50 / p99 / max.
#   drain    TASKS (default 100,000) dry-run tasks drained by `switchyard router` with its
#            defaults, RUNS (default 3) times without alert rules and RUNS times with 5 rules
#            (failed-over, dead-over, lag-over 1 s — it fires during the drain and its message is
#            delivered —, failure-rate-over, account-rejections-over), alternating; medians and
#            the ratio.
# Everything runs on a private cluster in .pgbench-alerts/ (git-ignored) with the release
# build. Output goes to stdout and bench-results/alerts-<time>.txt (git-ignored).
# destroy  stop the cluster and remove its folder.
set -euo pipefail
project=$(cd "$(dirname "$0")/.." && pwd)
cd "$project"
dir="$project/.pgbench-alerts"
tasks=${TASKS:-100000}
runs=${RUNS:-3}
firings=${FIRINGS:-20}
results="$project/bench-results"
bindir=$(pg_config --bindir 2>/dev/null || true)
[ -x "$bindir/psql" ] || bindir=/usr/lib/postgresql/15/bin
bin="$project/.build/release/switchyard"

part=${1:-all}
case "$part" in all|latency|drain|destroy) ;;
    *) echo "usage: $0 [all|latency|drain|destroy]" >&2; exit 64 ;; esac
if [ "$part" = destroy ]; then
    scripts/pg.sh stop "$dir" || true
    rm -rf "$dir"
    exit 0
fi
wants() { [ "$part" = all ] || [ "$part" = "$1" ]; }
command -v python3 >/dev/null || { echo "bench-alerts needs python3 for its webhook receiver" >&2; exit 1; }

mkdir -p "$results" "$dir"
out="$results/alerts-$(date -u +%Y%m%dT%H%M%SZ).txt"
exec > >(tee "$out") 2>&1

say() { echo "bench: $*"; }
load() { echo "load: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores) at $(date -u +%H:%M:%SZ)"; }
sql() { "$bindir/psql" "$1" -v ON_ERROR_STOP=1 -qAt "${@:2}"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# The value at percentile $1 (nearest rank) of the numbers on stdin.
percentile() { sort -g | awk -v p="$1" '{ v[NR] = $1 } END { r = int((p / 100) * NR + 0.999999); if (r < 1) r = 1; print v[r] }'; }
now() { date +%s.%N; }

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
cleanup() {
    [ -n "$router_pid" ] && kill "$router_pid" 2>/dev/null || true
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

if wants drain; then
    say "drain: $tasks tasks, router defaults, $runs runs without rules and $runs with 5 rules"
    without=(); with=()
    for run in $(seq 1 "$runs"); do
        for mode in without with; do
            fresh
            if [ "$mode" = with ]; then
                for rule in "failed --failed-over 0" "dead --dead-over 0" "lag --lag-over 1" \
                            "rate --failure-rate-over 5 --window 5" "refusals --account-rejections-over 3 --window 5"; do
                    # shellcheck disable=SC2086
                    DATABASE_URL=$db "$bin" alerts add bench-$rule --webhook "$hook" >/dev/null
                done
            fi
            DATABASE_URL=$db "$bin" enqueue --synthetic $((tasks / 2)) >/dev/null
            sql "$db" -c "CHECKPOINT"
            load
            started=$(now)
            DATABASE_URL=$db "$bin" router --exit-when-idle --router-id "bench-$mode-$run" 2>"$dir/router.log"
            elapsed=$(echo "$(now) - $started" | bc -l)
            left=$(sql "$db" -c "SELECT count(*) FROM execution_tasks WHERE status <> 'SUCCESS'")
            [ "$left" = 0 ] || { say "$left tasks did not succeed"; exit 1; }
            rate=$(echo "$tasks / $elapsed" | bc -l)
            if [ "$mode" = with ]; then
                with+=("$rate")
                fired=$(sql "$db" -c "SELECT count(*) FROM switchyard_alert_history WHERE event = 'fired'")
                delivered=$(sql "$db" -c "SELECT count(*) FROM switchyard_alert_history WHERE event = 'delivered'")
                printf '  run %d with 5 rules:    %7.0f tasks/s (%s fired, %s delivered during the drain)\n' "$run" "$rate" "$fired" "$delivered"
            else
                without+=("$rate")
                printf '  run %d without rules:   %7.0f tasks/s\n' "$run" "$rate"
            fi
        done
    done
    m_without=$(printf '%s\n' "${without[@]}" | median)
    m_with=$(printf '%s\n' "${with[@]}" | median)
    printf '  median without rules %.0f tasks/s, with 5 rules %.0f tasks/s: %.1f%% of the rate without\n' \
        "$m_without" "$m_with" "$(echo "$m_with * 100 / $m_without" | bc -l)"
fi
say "results in $out"
