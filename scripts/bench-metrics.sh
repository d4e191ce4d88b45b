#!/usr/bin/env bash
# `make bench-metrics`: what `--metrics-listen` costs. A benchmark, not a test: it prints
# figures and asserts nothing about speed.
#
#   scripts/bench-metrics.sh [all|scrape|drain]     (default: all)
#
# scrape  the ten-million-task database of `make bench-monitor` (.pgbench/, filled once by
#         `scripts/bench-monitor.sh fill`, reused after), a release router on it with
#         --metrics-listen; SCRAPES (default 21) scrapes 1.2 s apart, so each one reads the
#         database (the reading is cached for 1 s), timed by curl: median, min and max ms,
#         and the database part alone (switchyard_database_read_seconds); then as many
#         back-to-back scrapes, served from the cache. The router first routes the few live
#         tasks of the data set, then idles.
# drain   `scripts/bench-router.sh metrics`: drains without --metrics-listen beside drains with
#         it and a scrape every second (METRICS_RUNS pairs, default 5), medians and the ratio.
# Output goes to stdout and bench-results/metrics-<time>.txt (git-ignored).
set -euo pipefail
source "$(dirname "$0")/bench/common.sh"
command -v curl >/dev/null || { echo "bench-metrics needs curl: apt-get install -y curl" >&2; exit 1; }
scrapes=${SCRAPES:-21}
# stats: "median X ms (min Y, max Z)" of seconds on stdin.
stats() {
    sort -g | awk '{ v[NR] = $1 * 1000 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
                   printf "median %.1f ms (min %.1f, max %.1f, %d scrapes)\n", m, v[1], v[NR], NR }'
}

scrape() {
    scripts/bench-monitor.sh fill
    local url; url=$(scripts/pg.sh url .pgbench)
    say "building the release binary"
    swift build -c release --product switchyard 2>&1 | tail -1
    local log="$project/.pgbench/metrics-router.log"
    DATABASE_URL=$url "$bin" router --router-id bench-metrics --metrics-listen 127.0.0.1:0 2>"$log" &
    local router=$!
    trap 'kill -TERM $router 2>/dev/null || true' EXIT
    local endpoint=""
    until [ -n "$endpoint" ]; do
        sleep 0.1
        kill -0 "$router" 2>/dev/null || { cat "$log"; exit 1; }
        endpoint=$(grep -o 'http://127.0.0.1:[0-9]*/metrics' "$log" | head -1 || true)
    done
    # The data set's live tasks are routed first; the timing starts once none is left.
    until [ "$(curl -sf "$endpoint" | awk '/^switchyard_tasks\{status="(PENDING|RUNNING)"\}/ { n += $2 } END { print n + 0 }')" = 0 ]; do
        sleep 1
    done
    sleep 2
    say "scrape: $scrapes scrapes of $endpoint at $(curl -sf "$endpoint" | awk '/^switchyard_tasks\{/ { n += $2 } END { printf "%d", n }') tasks, each reading the database"
    load
    local total="" database=""
    for _ in $(seq 1 "$scrapes"); do
        sleep 1.2
        local file; file=$(mktemp)
        total+="$(curl -sf -o "$file" -w '%{time_total}' "$endpoint")"$'\n'
        database+="$(awk '/^switchyard_database_read_seconds / { print $2 }' "$file")"$'\n'
        rm -f "$file"
    done
    printf '  %-40s %s\n' "/metrics, database read" "$(grep . <<<"$total" | stats)"
    printf '  %-40s %s\n' "  of which reading the database" "$(grep . <<<"$database" | stats)"
    local cached=""
    for _ in $(seq 1 "$scrapes"); do cached+="$(curl -sf -o /dev/null -w '%{time_total}' "$endpoint")"$'\n'; done
    printf '  %-40s %s\n' "/metrics, from the 1 s cache" "$(grep . <<<"$cached" | stats)"
    load
    kill -TERM "$router"
    wait "$router" || true
    trap - EXIT
}

# The ten-million-task cluster belongs to bench-monitor.sh: this script has nothing to destroy.
dir=""
bench_begin metrics "${1:-all}" scrape drain
say "switchyard metrics benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores"
if wants scrape; then scrape; fi
if wants drain; then scripts/bench-router.sh metrics; fi
say "saved to ${out#"$project"/}"
