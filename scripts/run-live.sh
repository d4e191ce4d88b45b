#!/usr/bin/env bash
# `make run-live`: `make run`'s demo with one LIVE account routed to the local broker simulator
# (`switchyard broker-simulator` on 127.0.0.1): real HTTP orders under idempotency keys, the
# order ledger and risk limits, follow-ups to fills; no real broker is ever involved. The
# dashboard asks for the word LIVE before it starts, as it does for a real broker, and its
# header shows [LIVE]. The simulator's ledger: curl http://127.0.0.1:PORT/ledger (printed below).
set -euo pipefail
source "$(dirname "$0")/run-database.sh"

work=$(mktemp -d)
simulator=
cleanup() {
    [ -n "$simulator" ] && kill "$simulator" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
# A token for this run only, from the environment (never a flag value, so never in `ps`).
SWITCHYARD_DEMO_BROKER_TOKEN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
export SWITCHYARD_DEMO_BROKER_TOKEN
"$bin" broker-simulator --listen 127.0.0.1:0 --token-env SWITCHYARD_DEMO_BROKER_TOKEN --delay 20ms \
    >"$work/simulator.out" 2>&1 &
simulator=$!
url=
for _ in $(seq 100); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/simulator.out" | head -1 || true)
    [ -n "$url" ] && break
    kill -0 "$simulator" 2>/dev/null || { cat "$work/simulator.out" >&2; exit 1; }
    sleep 0.1
done
[ -n "$url" ] || { echo "The broker simulator did not say where it listens:" >&2; cat "$work/simulator.out" >&2; exit 1; }

# The demo accounts, plus one live account on the simulator with risk limits.
cat >"$work/accounts.json" <<JSON
{
  "accounts": [
    {"name": "simulator-live", "mode": "live", "symbol": "ES",
     "connector": {"url": "$url", "token_env": "SWITCHYARD_DEMO_BROKER_TOKEN"},
     "point_value": 50, "risk_per_trade": 1000, "max_contracts": 3,
     "max_position": 600, "daily_loss_limit": 250000, "max_orders_per_minute": 600, "time_zone": "America/New_York"},
    {"name": "apex-eval-1", "point_value": 50, "risk_per_trade": 500, "max_contracts": 3},
    {"name": "apex-eval-2", "point_value": 5, "risk_per_trade": 250, "max_contracts": 10, "sessions": ["NY AM", "NY PM"]}
  ]
}
JSON
cat >&2 <<TEXT

LIVE DEMO: the account simulator-live sends real HTTP orders to the broker simulator at
$url on this machine (no real broker). Type LIVE when asked. Its ledger: curl $url/ledger

TEXT
# shellcheck disable=SC2086 # RUN_ARGS is a list of flags
"$bin" monitor --live --accounts "$work/accounts.json" ${RUN_ARGS:---demo --latency 5ms}
