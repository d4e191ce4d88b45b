#!/usr/bin/env bash
# Captures README.md's screen from the current build and writes it between README.md's
# `readme-screen` markers. Re-run it after any change to the dashboard's layout: the test
# ReadmeScreenTests renders the same scene with the current code and fails while README.md's
# screen differs (docs/operations.md, "README's screen").
#
#   scripts/readme-screen.sh           capture, then write README.md
#   scripts/readme-screen.sh --print   capture and print the screen; README.md is left alone
#
# What it runs: `switchyard monitor` as `make run` starts it (operator mode, the embedded dry-run
# router, but no demo traffic) in an 80x24 tmux pane (TERM=xterm-256color, LANG=C.UTF-8, TZ=UTC)
# over scripts/readme-scene.sql, loaded into a fresh private database in /tmp/switchyard-readme.
# The scene's times are the database's (as every time on screen is), anchored to the start of the
# current minute, so the screen is taken within that minute: the script waits when fewer than 20 s
# of it are left, and takes it again if the minute turned or a row changed meanwhile.
set -euo pipefail
project=$(cd "$(dirname "$0")/.." && pwd)
cd "$project"
mode=${1:-write}
case "$mode" in write | --print) ;; *) echo "usage: scripts/readme-screen.sh [--print]" >&2; exit 2 ;; esac

for tool in tmux psql; do
    command -v "$tool" >/dev/null || { echo "readme-screen: needs $tool (apt-get install -y tmux postgresql-client-15)" >&2; exit 1; }
done

# A fixed place: the header names the socket's directory, and ReadmeScreenTests uses the same.
dir=/tmp/switchyard-readme
socket=$(mktemp -u /tmp/switchyard-readme-tmux.XXXXXX)
screen=$(mktemp)
cleanup() {
    tmux -S "$socket" kill-server 2>/dev/null || true
    rm -f "$screen" "$socket"
    scripts/pg.sh destroy "$dir" >/dev/null 2>&1 || true
}
trap cleanup EXIT

swift build --product switchyard >&2
bin=$(swift build --show-bin-path)/switchyard

# Seconds left in the database's current minute, and a fingerprint of every row the scene wrote.
seconds_left() { psql "$url" -Atc "SELECT 60 - floor(extract(second FROM clock_timestamp()))::int"; }
minute() { psql "$url" -Atc "SELECT date_trunc('minute', clock_timestamp())"; }
state() { psql "$url" -Atc "SELECT (SELECT count(*) || '/' || max(id) FROM execution_logs) || ' ' || (SELECT string_agg(status || count, ',' ORDER BY status) FROM (SELECT status, count(*) FROM execution_tasks GROUP BY 1) s)"; }

captured=0
for attempt in 1 2 3; do
    scripts/pg.sh destroy "$dir" >/dev/null 2>&1 || true
    url=$(scripts/pg.sh start "$dir" 2>/dev/null)
    "$bin" migrate up --database-url "$url" >/dev/null
    left=$(seconds_left)
    if [ "$left" -lt 20 ]; then sleep "$left"; fi
    before=$(minute)
    psql "$url" -v ON_ERROR_STOP=1 -q -f scripts/readme-scene.sql
    rows=$(state)
    tmux -S "$socket" -f /dev/null new-session -d -x 80 -y 24 \
        env TERM=xterm-256color LANG=C.UTF-8 TZ=UTC "$bin" monitor --database-url "$url" --fail-rate 0.05 --latency 5ms
    # The first frame with data, then the same screen twice in a row (nothing still arriving).
    previous=""
    for _ in $(seq 1 100); do
        sleep 0.2
        tmux -S "$socket" capture-pane -p > "$screen"
        if grep -q "DEMO-" "$screen" && grep -q "apex-eval-1" "$screen" && [ "$(cat "$screen")" = "$previous" ]; then
            break
        fi
        previous=$(cat "$screen")
    done
    tmux -S "$socket" kill-server 2>/dev/null || true
    if [ "$(minute)" = "$before" ] && [ "$(state)" = "$rows" ] && grep -q "DEMO-" "$screen"; then
        captured=1
        break
    fi
    echo "readme-screen: the minute turned or the data changed while the screen was taken; again" >&2
done
[ "$captured" = 1 ] || { echo "readme-screen: could not take a steady screen in 3 tries" >&2; exit 1; }

# Trailing blanks off each line, trailing empty lines off the screen.
sed -e 's/[[:space:]]*$//' "$screen" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' > "$screen.trimmed"
mv "$screen.trimmed" "$screen"
if [ "$mode" = --print ]; then cat "$screen"; exit 0; fi

grep -q '^<!-- readme-screen: begin' README.md && grep -q '^<!-- readme-screen: end' README.md || {
    echo "readme-screen: README.md has no '<!-- readme-screen: begin -->' ... '<!-- readme-screen: end -->' markers" >&2
    exit 1
}
awk -v screen="$screen" '
    /^<!-- readme-screen: begin/ { print; print "```text"; while ((getline line < screen) > 0) print line; print "```"; skip = 1; next }
    /^<!-- readme-screen: end/ { skip = 0 }
    !skip { print }
' README.md > README.md.new
mv README.md.new README.md
echo "README.md: screen written ($(wc -l < "$screen") lines)" >&2
