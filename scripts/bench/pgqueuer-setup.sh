#!/usr/bin/env bash
# The Python side of `make bench-router`'s PgQueuer comparison: a virtualenv in .bench-venv/
# (git-ignored) with PgQueuer 1.6 and asyncpg. Idempotent; prints the venv's python on stdout.
#
#   python=$(scripts/bench/pgqueuer-setup.sh)
#   "$python" scripts/bench/pgqueuer-drain.py --dsn "$url" --jobs 20000 --batch-size 20
set -euo pipefail
project=$(cd "$(dirname "$0")/../.." && pwd)
venv="$project/.bench-venv"
python="$venv/bin/python"

[ -x "$python" ] || python3 -m venv "$venv" >&2
# pip only when the pinned range is not already there, so a second call costs well under a second.
if ! "$python" - <<'EOF' 2>/dev/null
import asyncpg, importlib.metadata as m
v = tuple(int(p) for p in m.version("pgqueuer").split(".")[:2])
raise SystemExit(0 if (1, 6) <= v < (1, 7) else 1)
EOF
then
    "$python" -m pip install --quiet --disable-pip-version-check "pgqueuer>=1.6,<1.7" asyncpg >&2
fi
echo "$python"
