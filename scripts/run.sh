#!/usr/bin/env bash
# `make run`: the private database (unless DATABASE_URL is set), migrations, then the dashboard
# in operator mode with the embedded dry-run router and demo traffic (some orders refused and
# some payloads malformed, so retries and failures show; trades stay open 90 s, so a refused
# ENTRY retried from the dashboard succeeds). RUN_ARGS replaces the monitor's flags.
set -euo pipefail
source "$(dirname "$0")/run-database.sh"
# shellcheck disable=SC2086 # RUN_ARGS is a list of flags
exec "$bin" monitor ${RUN_ARGS:---demo --fail-rate 0.05 --latency 5ms}
