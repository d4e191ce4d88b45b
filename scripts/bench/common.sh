# Shared by the benchmark scripts (bench-router, bench-schedules, bench-alerts, bench-metrics):
# source it right after `set -euo pipefail`. It moves to the project's folder and sets `project`,
# `results`, `bindir` (PostgreSQL's programs) and `bin` (the release build), and defines the
# helpers below. A benchmark prints figures and asserts nothing about speed.

project=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$project"
results="$project/bench-results"
bindir=$(pg_config --bindir 2>/dev/null || true)
[ -x "$bindir/pgbench" ] || bindir=/usr/lib/postgresql/15/bin
bin="$project/.build/release/switchyard"

say() { echo "bench: $*"; }
load() { echo "load: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores) at $(date -u +%H:%M:%SZ)"; }
# sql URL ARGS...: psql on URL, stopping at the first error, unaligned, tuples only.
sql() { "$bindir/psql" "$1" -v ON_ERROR_STOP=1 -qAt "${@:2}"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# The value at percentile $1 (nearest rank) of the numbers on stdin.
percentile() { sort -g | awk -v p="$1" '{ v[NR] = $1 } END { r = int((p / 100) * NR + 0.999999); if (r < 1) r = 1; print v[r] }'; }
now() { date +%s.%N; }

# bench_begin NAME PART KNOWN...: stops with the usage unless PART is `all`, one of KNOWN or,
# when `$dir` names a private cluster, `destroy` (which stops it and removes its folder); then sends
# everything printed to stdout and to bench-results/NAME-<time>.txt (git-ignored). Sets `part`.
bench_begin() {
    local name=$1
    part=$2
    shift 2
    local known="all $*"
    [ -n "${dir:-}" ] && known+=" destroy"
    if [[ " $known " != *" $part "* ]]; then
        echo "usage: $0 [$(tr ' ' '|' <<<"$known")]" >&2
        exit 64
    fi
    if [ "$part" = destroy ]; then
        scripts/pg.sh stop "$dir" || true
        rm -rf "$dir"
        exit 0
    fi
    mkdir -p "$results"
    out="$results/$name-$(date -u +%Y%m%dT%H%M%SZ).txt"
    exec > >(tee "$out") 2>&1
}

# wants PART: true when the run asked for PART (or for all of them).
wants() { [ "$part" = all ] || [ "$part" = "$1" ]; }

# trickle DB ROUTER_ID COUNT PAYLOAD ROUTER_ARGS...: starts `switchyard router --router-id ROUTER_ID
# ROUTER_ARGS` on DB, waits until it is registered and a second more, inserts COUNT ENTRY tasks
# with PAYLOAD one by one 10 ms apart, waits until all are SUCCESS, and stops the router.
trickle() {
    local db=$1 id=$2 count=$3 payload=$4
    shift 4
    DATABASE_URL=$db "$bin" router --router-id "$id" "$@" 2>/dev/null &
    local router=$!
    until [ "$(sql "$db" -c "SELECT count(*) FROM switchyard_routers WHERE id = '$id'")" = 1 ]; do sleep 0.1; done
    sleep 1
    for i in $(seq 1 "$count"); do
        echo "INSERT INTO execution_tasks (trade_id, event_type, payload) VALUES ('PICKUP-$i', 'ENTRY', '$payload');"
        echo "SELECT pg_sleep(0.01);"
    done | sql "$db" >/dev/null
    until [ "$(sql "$db" -c "SELECT count(*) FROM execution_tasks WHERE status = 'SUCCESS'")" = "$count" ]; do sleep 0.1; done
    kill -TERM "$router"
    wait "$router" || true
}
