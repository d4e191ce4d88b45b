#!/usr/bin/env bash
# `make bench-dashboard`: what the dashboard costs the machine and the link it runs over,
# next to htop measured the same way in the same run. A benchmark, not a test.
#
# In an 80x24 tmux pane (TERM=xterm-256color, LANG=C.UTF-8), for each program:
#   cpu        percent of one core, from /proc/PID/stat, over SECONDS_MEASURED (default 60)
#              seconds in 10-second windows: the median window and the whole-run mean
#   bytes/s    bytes written to the terminal, counted by `tmux pipe-pane`, same windows
#   rss        resident memory at the end (VmRSS) and its peak (VmHWM); then where it lives:
#              the process's own pages (anonymous) and the resident part of each library
#              mapped in (/proc/PID/smaps), largest first
#   first      time from start to the first frame on screen (tmux capture-pane polled every
#              10 ms; median of 5 starts; includes tmux's own latency)
# Programs: `switchyard monitor --no-router` on an idle queue (1 s refresh), `htop -d 10`
# (1 s refresh), and `switchyard monitor --demo` (embedded router, demo traffic).
#
# `scripts/bench-dashboard.sh hung` (`make bench-hung`; `all`, the default, runs both): the
# dashboard (embedded router, 1 s refresh) against the bench's own cluster frozen with SIGSTOP
# on the postmaster and all its children, median of HUNG_RUNS (default 5) runs of
#   no answer  time from the SIGSTOP to "NO ANSWER" on screen (capture-pane polled every 10 ms)
#   quit       time from `q` to the process having exited (gone, or a zombie not reaped by
#              tmux yet), the server still frozen
# The server gets SIGCONT after each run and on every exit of the script.
set -euo pipefail
project=$(cd "$(dirname "$0")/.." && pwd)
cd "$project"
dir="$project/.pgbench-dashboard"
part=${1:-all}
case "$part" in all|cost|hung) ;; *) echo "usage: $0 [all|cost|hung]" >&2; exit 64 ;; esac
measured=${SECONDS_MEASURED:-60}
window=10
results="$project/bench-results"
mkdir -p "$results"
out="$results/dashboard-$(date -u +%Y%m%dT%H%M%SZ).txt"
base=$(mktemp -u /tmp/switchyard-bench-tmux.XXXXXX)
socket=$base.0
runs=0
ticks=$(getconf CLK_TCK)

say() { echo "bench: $*" >&2; }
tm() { tmux -S "$socket" "$@"; }
# Every program gets a tmux server of its own: a new session on a server still shutting
# down fails ("server exited unexpectedly").
fresh_server() {
    tm kill-server 2>/dev/null || true
    runs=$((runs + 1))
    socket=$base.$runs
}
frozen=()
# SIGCONT to whatever `freeze` stopped (see the hung part).
thaw() {
    if [ "${#frozen[@]}" -gt 0 ]; then kill -CONT "${frozen[@]}" 2>/dev/null || true; fi
    frozen=()
}
cleanup() {
    thaw
    tm kill-server 2>/dev/null || true
    rm -f "$base".*
    scripts/pg.sh stop "$dir" >/dev/null 2>&1 || true
}
trap cleanup EXIT

if ! command -v htop >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then apt-get install -y -qq htop >/dev/null || { apt-get update -qq && apt-get install -y -qq htop >/dev/null; }
    else say "htop is missing: sudo apt-get install -y htop"; exit 1; fi
fi

swift build -c release --product switchyard >/dev/null
bin=$(swift build -c release --show-bin-path)/switchyard
url=$(scripts/pg.sh start "$dir")
DATABASE_URL="$url" "$bin" migrate up >/dev/null
# Some history, so the panels have something to show: 500 trades, routed.
DATABASE_URL="$url" "$bin" enqueue --synthetic 500 --malformed 0.05 >/dev/null
DATABASE_URL="$url" "$bin" router --exit-when-idle --fail-rate 0.02 --batch-size 200 --poll-interval 0.2 2>/dev/null

calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# start NAME COMMAND...: a fresh tmux server with the program in an 80x24 pane; sets $pid.
start() {
    local name=$1; shift
    fresh_server
    tm new-session -d -s bench -x 80 -y 24 -e "DATABASE_URL=$url" -e LANG=C.UTF-8 \
        "exec env TERM=xterm-256color $*"
    pid=$(tm display-message -p -t bench '#{pane_pid}')
    bytes=$base.bytes.$runs
    : > "$bytes"
    tm pipe-pane -o -t bench "cat >> $bytes"
}

# measure NAME: median CPU and bytes/s over 10-second windows, then memory.
measure() {
    local name=$1 cpus=() rates=() t0 b0 c0 t1 b1 c1
    sleep 5   # the first frames and connections are not the steady state
    local start_ticks start_bytes start_time
    start_ticks=$(cpu_ticks "$pid"); start_bytes=$(stat -c %s "$bytes"); start_time=$(date +%s.%N)
    for _ in $(seq $((measured / window))); do
        t0=$(date +%s.%N); b0=$(stat -c %s "$bytes"); c0=$(cpu_ticks "$pid")
        sleep "$window"
        t1=$(date +%s.%N); b1=$(stat -c %s "$bytes"); c1=$(cpu_ticks "$pid")
        cpus+=("$(calc "100 * ($c1 - $c0) / $ticks / ($t1 - $t0)")")
        rates+=("$(calc "($b1 - $b0) / ($t1 - $t0)")")
    done
    local end_time end_ticks end_bytes
    end_time=$(date +%s.%N); end_ticks=$(cpu_ticks "$pid"); end_bytes=$(stat -c %s "$bytes")
    local rss hwm
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status"); hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
    printf '%-34s cpu %6.2f%% (mean %5.2f%%)   %8.1f B/s (mean %8.1f)   rss %5.1f MiB (peak %5.1f)\n' "$name" \
        "$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" \
        "$(calc "100 * ($end_ticks - $start_ticks) / $ticks / ($end_time - $start_time)")" \
        "$(printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" \
        "$(calc "($end_bytes - $start_bytes) / ($end_time - $start_time)")" \
        "$(calc "$rss / 1024")" "$(calc "$hwm / 1024")" | tee -a "$out"
    rss_by_mapping "$pid" | tee -a "$out"
}

# rss_by_mapping PID: "  resident: anon 3.6 MiB, libFoundation.so 4.1 MiB, ..." (the eight largest).
rss_by_mapping() {
    awk '/^[0-9a-f]+-[0-9a-f]+ / { name = ($6 == "" ? "[anon]" : $6); sub(".*/", "", name) }
         /^Rss:/ { rss[name] += $2 }
         END { for (n in rss) if (rss[n] > 0) printf "%d %s\n", rss[n], n }' "/proc/$1/smaps" \
        | sort -rn | head -8 | awk '{ printf "%s%s %.1f MiB", (NR == 1 ? "    resident: " : ", "), $2, $1 / 1024 }
                                     END { print "" }'
}

# first_frame NAME TEXT COMMAND...: median of 5 starts, until TEXT is on screen.
first_frame() {
    local name=$1 text=$2; shift 2
    local times=()
    for _ in 1 2 3 4 5; do
        fresh_server
        local t0 t1
        t0=$(date +%s%N)
        tm new-session -d -s bench -x 80 -y 24 -e "DATABASE_URL=$url" -e LANG=C.UTF-8 \
            "exec env TERM=xterm-256color $*"
        until tm capture-pane -p -t bench 2>/dev/null | grep -q -- "$text"; do sleep 0.01; done
        t1=$(date +%s%N)
        times+=("$(( (t1 - t0) / 1000000 ))")
    done
    printf '%-34s first frame %5d ms (median of 5: %s)\n' "$name" \
        "$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)" "${times[*]}" | tee -a "$out"
}

# freeze: SIGSTOP on the postmaster first (it starts no new child), then on all its children.
freeze() {
    local home postmaster
    home=$(cat "$dir/location" 2>/dev/null || echo "$dir")
    postmaster=$(head -1 "$home/data/postmaster.pid")
    kill -STOP "$postmaster"
    frozen=("$postmaster")
    local child
    for child in $(pgrep -P "$postmaster"); do kill -STOP "$child"; frozen+=("$child"); done
}

# hung: SIGSTOP to NO ANSWER on screen, and q to exit while the server stays frozen.
hung() {
    local count=${HUNG_RUNS:-5} shown=() quits=() t0 t1 pid
    echo "# Hung database: monitor (embedded router, 1 s refresh), server frozen with SIGSTOP; $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out"
    for _ in $(seq "$count"); do
        fresh_server
        tm new-session -d -s bench -x 80 -y 24 -e "DATABASE_URL=$url" -e LANG=C.UTF-8 \
            "exec env TERM=xterm-256color $bin monitor --refresh 1"
        pid=$(tm display-message -p -t bench '#{pane_pid}')
        until tm capture-pane -p -t bench 2>/dev/null | grep -q "live "; do sleep 0.05; done
        sleep 2   # a few refreshes answered: the steady state
        freeze
        t0=$(date +%s%N)
        until tm capture-pane -p -t bench 2>/dev/null | grep -q "NO ANSWER"; do
            [ $(( $(date +%s%N) - t0 )) -lt 60000000000 ] || { say "no NO ANSWER within 60 s"; exit 1; }
            sleep 0.01
        done
        t1=$(date +%s%N)
        shown+=("$(( (t1 - t0) / 1000000 ))")
        t0=$(date +%s%N)
        tm send-keys -t bench q
        # Gone once it has exited: a zombie waiting for tmux to reap it runs nothing any more.
        while [ -e "/proc/$pid" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null; do
            [ $(( $(date +%s%N) - t0 )) -lt 60000000000 ] || { say "still running 60 s after q"; exit 1; }
            sleep 0.01
        done
        t1=$(date +%s%N)
        quits+=("$(( (t1 - t0) / 1000000 ))")
        thaw
        sleep 1   # the server catches up with the connections that went away
    done
    printf '%-34s no answer %5d ms (median of %d: %s)\n' "SIGSTOP to NO ANSWER on screen" \
        "$(printf '%s\n' "${shown[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" "$count" "${shown[*]}" | tee -a "$out"
    printf '%-34s quit      %5d ms (median of %d: %s)\n' "q to exit, server frozen" \
        "$(printf '%s\n' "${quits[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" "$count" "${quits[*]}" | tee -a "$out"
}

if [ "$part" = hung ]; then
    hung
    tm kill-server 2>/dev/null || true
    say "saved in $out"
    exit 0
fi

{
    echo "# Dashboard cost, 80x24 tmux pane, $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# $measured s per program in ${window}-s windows; medians of the windows, means of the whole run"
} | tee "$out"

start "switchyard monitor (idle, 1 s)" "$bin" monitor --no-router --refresh 1
measure "switchyard monitor (idle, 1 s)"
start "htop -d 10 (1 s)" htop -d 10
measure "htop -d 10 (1 s)"
start "switchyard monitor --demo (busy)" "$bin" monitor --demo --demo-rate 5 --fail-rate 0.05
measure "switchyard monitor --demo (busy)"
tm kill-server 2>/dev/null || true

first_frame "switchyard monitor" "Recent execution logs" "$bin" monitor --no-router
first_frame "htop" "Load average" htop -d 10
tm kill-server 2>/dev/null || true
[ "$part" = all ] && hung
echo "# load at the end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out"
say "saved in $out"
