#!/usr/bin/env bash
# `make bench-accounts`: what the accounts panel costs at scale, and what row-level security
# costs a per-account observer. A benchmark, not a test.
#
#   scripts/bench-accounts.sh            (TASKS, default 10,000,000; RUNS, default 5;
#                                         BUILD=release for the release binary, default debug)
#
# Uses the fill of scripts/bench-monitor.sh (BENCH_DIR, default .pgbench/: TASKS tasks, three
# audit rows each over 50 accounts, 30 days; migration 11 counts the loaded rows as it would
# on a database that grew before it). Then, through the engine (`switchyard stats --bench`):
#   1. the whole snapshot and each part as the owner (no row-level security applies);
#   2. the same as a per-account observer granted one of the 50 accounts
#      (`switchyard observers grant`), in a read-only session: every part under row-level security.
# Results go to bench-results/ (git-ignored) and to the screen.
set -euo pipefail
project=$(cd "$(dirname "$0")/.." && pwd)
cd "$project"
dir=${BENCH_DIR:-$project/.pgbench}
export BENCH_DIR=$dir
runs=${RUNS:-5}
results="$project/bench-results"
bindir=$(pg_config --bindir 2>/dev/null || true)
[ -x "$bindir/psql" ] || bindir=/usr/lib/postgresql/15/bin
say() { echo "bench: $*" >&2; }

scripts/bench-monitor.sh fill
url=$(PG_START_TIMEOUT=900 scripts/pg.sh start "$dir")
sql() { "$bindir/psql" "$url" -v ON_ERROR_STOP=1 -qAt "$@"; }
config=${BUILD:-debug}   # BUILD=release: the release binary (bench-monitor.sh's fill builds the same)
swift build -c "$config" --product switchyard >/dev/null
bin=.build/$config/switchyard
at=$(sql -c "SELECT to_char(filled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM bench_meta")

# The observer: a login role that may only read acct-7 (the test cluster trusts its socket).
observer=bench_observer
sql -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$observer') THEN CREATE ROLE $observer LOGIN; END IF; END \$\$"
DATABASE_URL="$url" "$bin" observers grant "$observer" --accounts acct-7 >&2
observer_url=${url/switchyard@/$observer@}

mkdir -p "$results"
out="$results/accounts-$(date -u +%Y%m%dT%H%M%SZ).txt"
say "timing (median of $runs) at $at; results in $out"
{
    echo "# $(date -u +%FT%TZ), load average (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
    echo "# $(sql -c "SELECT tasks FROM bench_meta") tasks, $(sql -c "SELECT count(DISTINCT account) FROM switchyard_account_minutes") accounts;" \
         "account minutes $(sql -c "SELECT count(*) FROM switchyard_account_minutes") rows," \
         "open positions $(sql -c "SELECT count(*) FROM switchyard_open_positions") rows"
    echo
    echo "## As the owner (row-level security does not apply)"
    DATABASE_URL="$url" "$bin" stats --at "$at" --bench "$runs"
    echo "## As a per-account observer of acct-7 (read-only session, row-level security on every part)"
    DATABASE_URL="$observer_url" "$bin" stats --read-only --at "$at" --bench "$runs"
    echo "## What the observer sees"
    DATABASE_URL="$observer_url" "$bin" stats --read-only --at "$at" --limit 3 | sed -n '1,/^RATES/p'
    echo "# $(date -u +%FT%TZ), load average (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out"
cat "$out"
