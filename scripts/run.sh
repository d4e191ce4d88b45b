#!/usr/bin/env bash
# `make run`: the private database (unless DATABASE_URL is set), migrations, then Switchyard.
set -euo pipefail
project=$(cd "$(dirname "$0")/.." && pwd)
cd "$project"
if [ -z "${DATABASE_URL:-}" ]; then
    DATABASE_URL=$(scripts/pg.sh start "$project/.pgdata")
    export DATABASE_URL
    echo "Private database: $DATABASE_URL (stop it with: make db-stop)" >&2
fi
bin=$(swift build --show-bin-path)/switchyard
"$bin" migrate up
exec "$bin" "${RUN_COMMAND[@]:-migrate}" ${RUN_ARGS:-status}
