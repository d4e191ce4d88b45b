#!/usr/bin/env bash
# Starts or stops a private PostgreSQL 15 cluster for `make run` and `make test`.
#
#   scripts/pg.sh start DIR   initdb (first time), start on a unix socket and a free port,
#                             print the URL on stdout (also written to DIR/url)
#   scripts/pg.sh stop DIR    stop it (fast shutdown); harmless when it is not running
#   scripts/pg.sh crash DIR   stop it as a crash would (immediate shutdown)
#   scripts/pg.sh url DIR     print the URL of a running cluster
#
# As root the server runs as the `postgres` user (PostgreSQL refuses to run as root), with
# DIR owned by that user. DIR defaults to .pgdata in the project.
set -euo pipefail

action=${1:-}
project=$(cd "$(dirname "$0")/.." && pwd)
dir=${2:-$project/.pgdata}
case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac

bindir=$(pg_config --bindir 2>/dev/null || true)
[ -x "$bindir/initdb" ] || bindir=/usr/lib/postgresql/15/bin
if [ ! -x "$bindir/initdb" ]; then
    echo "PostgreSQL 15 server binaries not found. Install them: apt-get install -y postgresql-15" >&2
    exit 1
fi

say() { echo "pg: $*" >&2; }

# Runs a command as the cluster's owner: postgres when we are root, ourselves otherwise.
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The socket path must fit in 107 bytes, and as root the postgres user must reach DIR.
# When the project folder does not allow either, the cluster lives in /tmp and DIR/location
# points at it.
resolve_location() {
    if [ -f "$dir/location" ]; then cat "$dir/location"; return; fi
    local candidate=$dir
    local too_long=$(( ${#candidate} + 20 > 100 ))
    local unreachable=0
    if [ "$(id -u)" = 0 ]; then
        mkdir -p "$dir"
        runuser -u postgres -- test -x "$dir" 2>/dev/null || unreachable=1
        chown postgres "$dir" 2>/dev/null || true
        runuser -u postgres -- test -w "$dir" 2>/dev/null || unreachable=1
    fi
    if [ "$too_long" = 1 ] || [ "$unreachable" = 1 ]; then
        candidate=$(mktemp -d /tmp/switchyard-pg.XXXXXX)
        chmod 755 "$candidate"
        mkdir -p "$dir"
        echo "$candidate" > "$dir/location"
        say "using $candidate (the project folder is not usable by the server: path too long or not reachable by the postgres user)"
    fi
    echo "$candidate"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
    local port=$(( 20000 + RANDOM % 30000 ))
    for _ in $(seq 1 200); do
        if ! port_in_use "$port" && [ ! -e "/tmp/.s.PGSQL.$port" ]; then echo "$port"; return; fi
        port=$(( port + 1 ))
    done
    echo "no free port found" >&2
    exit 1
}

url_for() { echo "postgresql://switchyard@/switchyard?host=$1/run&port=$2"; }

start() {
    local home; home=$(resolve_location)
    mkdir -p "$home"
    if [ "$(id -u)" = 0 ]; then chown postgres "$home"; chmod 755 "$home"; fi
    if [ ! -f "$home/data/PG_VERSION" ]; then
        say "initdb in $home/data"
        as_owner mkdir -p "$home/data" "$home/run"
        # The superuser's password (for TCP connections) is "switchyard"; the socket trusts local users.
        as_owner sh -c "echo switchyard > '$home/pwfile'"
        as_owner "$bindir/initdb" -D "$home/data" -U switchyard --auth-local=trust \
            --auth-host=scram-sha-256 --pwfile="$home/pwfile" -E UTF8 --locale=C.UTF-8 >"$home/initdb.log" 2>&1 \
            || { cat "$home/initdb.log" >&2; exit 1; }
        rm -f "$home/pwfile"
    fi
    as_owner mkdir -p "$home/run"
    if [ -f "$home/port" ] && as_owner "$bindir/pg_ctl" -D "$home/data" status >/dev/null 2>&1; then
        local port; port=$(cat "$home/port")
        say "already running on port $port"
    else
        # The port of the last start when it is still free: a restarted server keeps its URL,
        # so a running dashboard or router reconnects by itself.
        local port; port=$(cat "$home/port" 2>/dev/null || true)
        if [ -z "$port" ] || port_in_use "$port" || [ -e "$home/run/.s.PGSQL.$port.lock" ]; then port=$(free_port); fi
        # Recorded first: a large cluster recovering from a crash can outlast the wait below
        # and still come up on this port. PG_START_TIMEOUT (seconds) lengthens the wait.
        echo "$port" > "$home/port"
        # 400 connections: `make test` runs suites side by side, each with routers and commands
        # of their own; on a loaded machine they overlap more and reached 200 (measured peak
        # 152 at load 3, "too many clients" once at load 4).
        as_owner "$bindir/pg_ctl" -D "$home/data" -l "$home/run/server.log" -w -t "${PG_START_TIMEOUT:-60}" \
            -o "-k $home/run -p $port -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >/dev/null || { tail -20 "$home/run/server.log" >&2; exit 1; }
        for _ in $(seq 1 50); do
            "$bindir/pg_isready" -q -h "$home/run" -p "$port" && break
            sleep 0.1
        done
        "$bindir/psql" -h "$home/run" -p "$port" -U switchyard -d postgres -qAtc \
            "SELECT 1 FROM pg_database WHERE datname = 'switchyard'" | grep -q 1 \
            || "$bindir/createdb" -h "$home/run" -p "$port" -U switchyard switchyard
        say "started on port $port (socket in $home/run)"
    fi
    url_for "$home" "$(cat "$home/port")" | tee "$dir/url"
}

# stop [MODE]: fast by default; immediate is a crash (the failover test's dead primary).
stop() {
    [ -d "$dir" ] || return 0
    local home; home=$(cat "$dir/location" 2>/dev/null || echo "$dir")
    [ -f "$home/data/PG_VERSION" ] || return 0
    if as_owner "$bindir/pg_ctl" -D "$home/data" status >/dev/null 2>&1; then
        as_owner "$bindir/pg_ctl" -D "$home/data" -m "${1:-fast}" -w stop >/dev/null
        say "stopped (${1:-fast})"
    fi
}

case "$action" in
    start) start ;;
    stop) stop ;;
    crash) stop immediate ;;
    url) cat "$dir/url" ;;
    destroy) stop; home=$(cat "$dir/location" 2>/dev/null || echo "$dir"); rm -rf "$home" "$dir" ;;
    *) echo "usage: scripts/pg.sh start|stop|crash|url|destroy [DIR]" >&2; exit 2 ;;
esac
