#!/usr/bin/env bash
# An observer on a real hot standby: `switchyard stats --read-only` against a streaming replica.
#
#   scripts/standby-check.sh        (prints what it does and what it saw; exit 0 when all held)
#
# A small primary in .pgstandby/primary gets demo traffic (tasks enqueued, a dry-run router
# works them off); pg_basebackup -R copies it into .pgstandby/standby, which starts as a hot
# standby. Then, against the standby: stats in text and --json, with --read-only and
# without; more traffic on the primary shows up on the standby once replayed; a write through
# the standby is refused with a clear message. Both clusters are removed at the end.
set -euo pipefail
project=$(cd "$(dirname "$0")/.." && pwd)
cd "$project"
base="$project/.pgstandby"
bindir=$(pg_config --bindir 2>/dev/null || true)
[ -x "$bindir/pg_basebackup" ] || bindir=/usr/lib/postgresql/15/bin
switchyard="$project/.build/debug/switchyard"

say() { echo "standby-check: $*" >&2; }
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() { scripts/pg.sh destroy "$base/standby" 2>/dev/null || true; scripts/pg.sh destroy "$base/primary" 2>/dev/null || true
            rm -rf "$base"; }
trap cleanup EXIT
cleanup

swift build --product switchyard >/dev/null
mkdir -p "$base"
primary=$(scripts/pg.sh start "$base/primary")
DATABASE_URL="$primary" "$switchyard" migrate up >&2
DATABASE_URL="$primary" "$switchyard" enqueue --synthetic 50 --malformed 0.1 >&2
DATABASE_URL="$primary" "$switchyard" router --exit-when-idle --fail-rate 0.2 --router-id primary-router 2>/dev/null

# The standby: a base backup with recovery settings (-R), streaming WAL from the primary.
home="$base/standby"
mkdir -p "$home"
if [ "$(id -u)" = 0 ]; then chown postgres "$home" "$base"; chmod 755 "$home" "$base"; fi
as_owner "$bindir/pg_basebackup" -d "$primary" -D "$home/data" -R -X stream -c fast
standby=$(scripts/pg.sh start "$home")
in_recovery=$("$bindir/psql" "$standby" -qAtc "SELECT pg_is_in_recovery()")
say "standby started; pg_is_in_recovery() = $in_recovery"
[ "$in_recovery" = t ] || { say "the copy is not a standby"; exit 1; }

wait_for_replay() {
    local lsn; lsn=$("$bindir/psql" "$primary" -qAtc "SELECT pg_current_wal_lsn()")
    for _ in $(seq 1 100); do
        [ "$("$bindir/psql" "$standby" -qAtc "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn")" = t ] && return
        sleep 0.1
    done
    say "the standby did not catch up"; exit 1
}
wait_for_replay

echo "## switchyard stats --read-only, against the standby"
DATABASE_URL="$standby" "$switchyard" stats --read-only
echo
echo "## switchyard stats --read-only --json, against the standby (queue and unavailable parts)"
json=$(DATABASE_URL="$standby" "$switchyard" stats --read-only --json)
echo "$json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps({"queue": d["queue"], "unavailable": d["unavailable"]}, indent=1))'
unavailable=$(echo "$json" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["unavailable"]))')
[ "$unavailable" = 0 ] || { say "parts unavailable on the standby"; exit 1; }

# Without --read-only too: every dashboard read is a read-only transaction anyway.
DATABASE_URL="$standby" "$switchyard" stats --json >/dev/null
say "stats without --read-only also works on the standby"

# More traffic on the primary shows up on the standby, including the per-minute table.
before=$(echo "$json" | python3 -c 'import json,sys; print(sum(m["succeeded"] for m in json.load(sys.stdin)["rates"]["minutes"]))')
DATABASE_URL="$primary" "$switchyard" enqueue --synthetic 20 >&2
DATABASE_URL="$primary" "$switchyard" router --exit-when-idle --router-id primary-router-2 2>/dev/null
wait_for_replay
after=$(DATABASE_URL="$standby" "$switchyard" stats --read-only --json \
    | python3 -c 'import json,sys; print(sum(m["succeeded"] for m in json.load(sys.stdin)["rates"]["minutes"]))')
say "succeeded attempts in the last hour, read on the standby: $before before, $after after 20 more trades"
[ "$after" -gt "$before" ] || { say "new attempts did not reach the standby's snapshot"; exit 1; }

# A write through the standby fails with the server's reason, not a crash.
set +e
refused=$(DATABASE_URL="$standby" "$switchyard" tasks retry 1 2>&1)
status=$?
set -e
say "a retry through the standby exits $status: $(echo "$refused" | head -2 | tr '\n' ' ')"
[ "$status" != 0 ] || { say "a write through the standby succeeded?"; exit 1; }
say "all held"
