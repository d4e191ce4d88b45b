#!/usr/bin/env bash
# `make bench-failover`: time from a standby's promote to the first task finished on it, over
# RUNS (default 5) failovers. A benchmark, not a test: it runs the failover test (a private
# primary and its pg_basebackup -R standby, two routers and a dashboard on a multi-host URL,
# the primary crashed mid-drain) RUNS times and prints each time and the median.
set -euo pipefail
project=$(cd "$(dirname "$0")/.." && pwd)
cd "$project"
runs=${RUNS:-5}
times=()
for run in $(seq 1 "$runs"); do
    line=$(scripts/test.sh --filter FailoverTests 2>&1 | grep "failover: the first task" || true)
    seconds=$(echo "$line" | sed -n 's/.* primary \([0-9.e-]*\) s after the promote/\1/p')
    [ -n "$seconds" ] || { echo "run $run: the failover test did not report a time" >&2; exit 1; }
    times+=("$seconds")
    printf 'failover %d: first task finished %.3f s after the promote\n' "$run" "$seconds"
done
median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
printf 'median of %d: %.3f s (load %s)\n' "$runs" "$median" "$(cut -d' ' -f1-3 /proc/loadavg)"
