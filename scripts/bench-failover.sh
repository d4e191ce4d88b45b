#!/usr/bin/env bash
# `make bench-failover` and `make bench-ssh-drop`: faults timed with real parts. Benchmarks,
# not tests: each runs the end-to-end test that makes the fault RUNS (default 5) times and
# prints each time and the median.
#
#   scripts/bench-failover.sh [failover|ssh-drop]     (default: failover)
#
# failover  a private primary and its pg_basebackup -R standby, two routers and a dashboard on
#           a multi-host URL, the primary crashed mid-drain: promote to first task finished.
# ssh-drop  a private sshd, ssh -tt into the dashboard, the session dropped three ways (the
#           terminal closed, the client killed, sshd's session process killed): drop to the
#           dashboard's exit (the batch in flight finished and written back first; the wait
#           polls every 50 ms).
set -euo pipefail
project=$(cd "$(dirname "$0")/.." && pwd)
cd "$project"
runs=${RUNS:-5}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
case "${1:-failover}" in
failover)
    times=()
    for run in $(seq 1 "$runs"); do
        line=$(scripts/test.sh --filter FailoverTests 2>&1 | grep "failover: the first task" || true)
        seconds=$(echo "$line" | sed -n 's/.* primary \([0-9.e-]*\) s after the promote/\1/p')
        [ -n "$seconds" ] || { echo "run $run: the failover test did not report a time" >&2; exit 1; }
        times+=("$seconds")
        printf 'failover %d: first task finished %.3f s after the promote\n' "$run" "$seconds"
    done
    printf 'median of %d: %.3f s (load %s)\n' "$runs" "$(printf '%s\n' "${times[@]}" | median)" "$(cut -d' ' -f1-3 /proc/loadavg)"
    ;;
ssh-drop)
    out=$(mktemp)
    for run in $(seq 1 "$runs"); do
        scripts/test.sh --filter SSHDropTests 2>&1 | grep "ssh drop (" | tee -a "$out" || true
    done
    for drop in terminalClosed clientKilled connectionCut; do
        values=$(sed -n "s/^ssh drop ($drop): the dashboard had exited \([0-9.e-]*\) seconds after the drop/\1/p" "$out")
        [ -n "$values" ] || { echo "no time for $drop" >&2; exit 1; }
        printf '%-15s median of %d: %.3f s\n' "$drop" "$(echo "$values" | wc -l)" "$(echo "$values" | median)"
    done
    rm -f "$out"
    ;;
*) echo "usage: $0 [failover|ssh-drop]" >&2; exit 64 ;;
esac
