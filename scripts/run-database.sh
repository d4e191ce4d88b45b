# Sourced by scripts/run.sh and scripts/run-live.sh (bash, `set -euo pipefail` already on):
# the private database unless DATABASE_URL is set, then migrations; leaves the built binary's
# path in $bin and the project's folder in $project, the current directory.
project=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$project"
if [ -z "${DATABASE_URL:-}" ]; then
    DATABASE_URL=$(scripts/pg.sh start "$project/.pgdata")
    export DATABASE_URL
    echo "Private database: $DATABASE_URL (stop it with: make db-stop)" >&2
fi
bin=$(swift build --show-bin-path)/switchyard
"$bin" migrate up
