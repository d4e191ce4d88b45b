#!/usr/bin/env bash
# `make bench-archive`: what `switchyard archive` moves per second at scale and what it costs a
# router draining beside it; the snapshots and the table sizes before and after; and deletes in
# batches against dropping a monthly partition. A benchmark, not a test: it prints figures and
# asserts nothing about speed.
#
#   scripts/bench-archive.sh [all|fill|archive|partitions|destroy]     (default: all)
#
# fill        scripts/bench-monitor.sh's fill into BENCH_DIR (default .pgbench-archive/): TASKS tasks
#             (default 10,000,000) and three audit rows each, created over two years (SPAN_DAYS=730),
#             so `--older-than 400d` finds some 45 % of them.
# archive     before: table and index sizes, `stats --json` as a whole process (median of RUNS,
#             default 5) and the snapshot's parts as the owner and as a per-account observer
#             (`stats --bench`); then PAIRS (default 3) A/B pairs: DRAIN (default 20,000) dry-run
#             tasks drained by `switchyard router --exit-when-idle` alone, and beside an archive of
#             the next two months (the drain starts once the archive deletes); then the rest down to
#             400 days, with its rate; after: the same sizes and snapshots, and again after VACUUM.
# partitions  one month of audit rows (MONTH_ROWS, default 1,250,000) copied twice: into a plain
#             table with the audit trail's indexes, deleted in batches of 10,000 rows (River's
#             JobCleaner), and into a table partitioned by month, the month detached and dropped
#             (Oban Pro's DynamicPartitioner).
# destroy     stop the cluster and remove its folder.
set -euo pipefail
source "$(dirname "$0")/bench/common.sh"
dir=${BENCH_DIR:-$project/.pgbench-archive}
runs=${RUNS:-5}
pairs=${PAIRS:-3}
drain=${DRAIN:-20000}
month_rows=${MONTH_ROWS:-1250000}
config=${BUILD:-debug}
bin=$project/.build/$config/switchyard
bench_begin archive "${1:-all}" fill archive partitions

if wants fill || wants archive || wants partitions; then
    BENCH_DIR=$dir SPAN_DAYS=${SPAN_DAYS:-730} scripts/bench-monitor.sh fill
fi
url=$(PG_START_TIMEOUT=900 scripts/pg.sh start "$dir")
folder=$dir/archive-files

sizes() {
    echo "  table (heap + TOAST) and its indexes:"
    sql "$url" -F ' ' -c "SELECT '    ' || relname, pg_size_pretty(pg_table_size(oid)), '+ indexes', pg_size_pretty(pg_indexes_size(oid)),
                                 '(' || (SELECT count(*) FROM pg_index WHERE indrelid = c.oid) || ' indexes)'
                          FROM pg_class c WHERE relname IN ('execution_tasks', 'execution_logs') ORDER BY relname"
    echo "  rows: $(sql "$url" -c "SELECT count(*) FROM execution_tasks") tasks, $(sql "$url" -c "SELECT count(*) FROM execution_logs") audit rows;" \
         "database $(sql "$url" -c "SELECT pg_size_pretty(pg_database_size(current_database()))")"
}

snapshots() {
    local times=()
    for _ in $(seq 1 "$runs"); do
        local started; started=$(now)
        DATABASE_URL=$url "$bin" stats --json >/dev/null
        times+=("$(echo "($(now) - $started) * 1000" | bc -l)")
    done
    printf '  stats --json, whole process, owner: median %.0f ms of %d\n' "$(printf '%s\n' "${times[@]}" | median)" "$runs"
    echo "  the snapshot's parts as the owner (stats --bench $runs):"
    DATABASE_URL=$url "$bin" stats --bench "$runs" | sed 's/^/    /'
    echo "  as a per-account observer of acct-7 (read-only session, row-level security):"
    DATABASE_URL=$observer_url "$bin" stats --read-only --bench "$runs" | sed 's/^/    /'
}

# drain_once LABEL: DRAIN tasks enqueued, then drained by one router; prints and records tasks/s.
drain_once() {
    DATABASE_URL=$url "$bin" enqueue --synthetic $((drain / 2)) >/dev/null
    local started; started=$(now)
    DATABASE_URL=$url "$bin" router --exit-when-idle --router-id "bench-$1" 2>"$dir/router.log"
    local rate; rate=$(echo "$drain / ($(now) - $started)" | bc -l)
    printf '  %-28s %7.0f tasks/s\n' "$1" "$rate"
    echo "$rate" >>"$dir/rates-${1%% *}"
}

# archive_to DAYS: archives what finished more than DAYS days ago; prints its summary line.
archive_to() {
    DATABASE_URL=$url "$bin" archive --older-than "${1}d" --to "$folder" --yes >"$dir/archive.log" 2>&1
    grep '^Archived\|^Nothing' "$dir/archive.log" | sed 's/^/  /'
}

if wants archive; then
    observer=bench_observer
    sql "$url" -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$observer') THEN CREATE ROLE $observer LOGIN; END IF; END \$\$"
    DATABASE_URL=$url "$bin" observers grant "$observer" --accounts acct-7 >/dev/null
    observer_url=${url/switchyard@/$observer@}
    mkdir -p "$folder"
    load
    echo "## Before archiving"
    sizes
    snapshots
    echo "## A/B: a drain of $drain tasks alone, and beside an archive of the next two months ($pairs pairs)"
    rm -f "$dir"/rates-*
    span=${SPAN_DAYS:-730}
    for pair in $(seq 1 "$pairs"); do
        drain_once "alone $pair"
        days=$((span - 60 * pair))
        DATABASE_URL=$url "$bin" archive --older-than "${days}d" --to "$folder" --yes >"$dir/archive.log" 2>&1 &
        archiver=$!
        until [ "$(sql "$url" -c "SELECT count(*) FROM switchyard_archive_ledger WHERE state = 'deleting'")" != 0 ] \
              || ! kill -0 "$archiver" 2>/dev/null; do sleep 0.2; done
        drain_once "beside archive $pair"
        still=running; kill -0 "$archiver" 2>/dev/null || still="had ended"
        wait "$archiver"
        echo "    (the archive $still when the drain finished) $(grep '^Archived' "$dir/archive.log")"
    done
    alone=$(median <"$dir/rates-alone"); beside=$(median <"$dir/rates-beside")
    printf '  median alone %.0f tasks/s, beside an archive %.0f tasks/s: %.1f%% of the rate alone\n' \
        "$alone" "$beside" "$(echo "$beside * 100 / $alone" | bc -l)"
    echo "## The rest, down to 400 days"
    load
    archive_to 400
    echo "## After archiving"
    sizes
    snapshots
    echo "## After VACUUM (ANALYZE) of both tables (space is kept for reuse, not returned)"
    sql "$url" -c "VACUUM (ANALYZE) execution_tasks" -c "VACUUM (ANALYZE) execution_logs"
    sizes
    snapshots
    echo "## Verify (every file read again against its manifest)"
    started=$(now)
    "$bin" archive verify "$folder" | tail -1 | sed 's/^/  /'
    printf '  in %.1f s; files %s\n' "$(echo "$(now) - $started" | bc -l)" "$(du -sh "$folder" | cut -f1)"
    load
fi

if wants partitions; then
    echo "## One month of audit rows ($month_rows): deletes in batches of 10,000 against a dropped partition"
    sql "$url" <<SQL
DROP TABLE IF EXISTS bench_plain, bench_parted;
CREATE TABLE bench_plain (LIKE execution_logs INCLUDING DEFAULTS INCLUDING INDEXES);
INSERT INTO bench_plain SELECT * FROM execution_logs ORDER BY id DESC LIMIT $month_rows * 2;
CREATE TABLE bench_parted (LIKE execution_logs INCLUDING DEFAULTS) PARTITION BY RANGE (created_at);
DO \$\$ DECLARE m timestamp; BEGIN
    FOR m IN SELECT generate_series(date_trunc('month', min(created_at)), max(created_at), interval '1 month') FROM bench_plain LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF bench_parted FOR VALUES FROM (%L) TO (%L)',
                       'bench_parted_' || to_char(m, 'YYYY_MM'), m, m + interval '1 month');
    END LOOP;
END \$\$;
-- The audit trail's indexes; a primary key must now include the partition key.
ALTER TABLE bench_parted ADD PRIMARY KEY (id, created_at);
CREATE INDEX ON bench_parted (task_id);
CREATE INDEX ON bench_parted (created_at) INCLUDE (status) WHERE event = 'ATTEMPT';
CREATE INDEX ON bench_parted (account, id) WHERE event = 'ATTEMPT' AND status = 'FAILED';
INSERT INTO bench_parted SELECT * FROM bench_plain;
VACUUM ANALYZE bench_plain;
VACUUM ANALYZE bench_parted;
SQL
    oldest=$(sql "$url" -c "SELECT date_trunc('month', min(created_at)) FROM bench_plain")
    rows=$(sql "$url" -c "SELECT count(*) FROM bench_plain WHERE created_at < timestamp '$oldest' + interval '1 month'")
    started=$(now); batches=0
    while [ "$(sql "$url" -c "WITH d AS (DELETE FROM bench_plain WHERE id IN (SELECT id FROM bench_plain
              WHERE created_at < timestamp '$oldest' + interval '1 month' LIMIT 10000) RETURNING 1) SELECT count(*) FROM d")" != 0 ]; do
        batches=$((batches + 1))
    done
    took=$(echo "$(now) - $started" | bc -l)
    printf '  batches of 10,000: %d rows in %d batches, %.1f s (%.0f rows/s)\n' "$rows" "$batches" "$took" "$(echo "$rows / $took" | bc -l)"
    partition=bench_parted_$(sql "$url" -c "SELECT to_char(timestamp '$oldest', 'YYYY_MM')")
    started=$(now)
    sql "$url" -c "ALTER TABLE bench_parted DETACH PARTITION $partition" -c "DROP TABLE $partition"
    printf '  detach and drop the partition: %.0f ms\n' "$(echo "($(now) - $started) * 1000" | bc -l)"
    started=$(now)
    sql "$url" -c "CREATE TABLE bench_copy AS SELECT * FROM execution_logs LIMIT $month_rows" -c "DROP TABLE bench_copy"
    printf '  (a partitioned execution_logs means copying every row once: %d rows copied in %.1f s here)\n' \
        "$month_rows" "$(echo "$(now) - $started" | bc -l)"
    sql "$url" -c "DROP TABLE bench_plain, bench_parted"
fi
