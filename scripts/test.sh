#!/usr/bin/env bash
# `make test`: a throwaway PostgreSQL cluster, the whole test suite against it, and the
# cluster stopped again even when a test fails. Here no database test may skip.
set -uo pipefail
project=$(cd "$(dirname "$0")/.." && pwd)
cd "$project"
dir="$project/.pgtest"

scripts/pg.sh destroy "$dir" 2>/dev/null || true
url=$(scripts/pg.sh start "$dir") || { echo "Could not start the test database." >&2; exit 1; }
trap 'scripts/pg.sh stop "$dir"' EXIT

export SWITCHYARD_TEST_DATABASE_URL="$url"
export SWITCHYARD_TEST_REQUIRE_DATABASE=1
unset DATABASE_URL PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD PGOPTIONS

swift build --build-tests ${SWIFT_BUILD_FLAGS:-} || exit 1
# The manual pages' test (ManualPageTests) runs argument-parser's generate-manual as its plugin
# builds it; with the package built this only builds that tool (`make man` writes the pages).
swift package plugin generate-manual --configuration debug --multi-page >/dev/null || exit 1
# A hung test must fail the run, not hold CI until its own limit.
timeout --kill-after=30 "${SWITCHYARD_TEST_TIMEOUT:-1800}" swift test --skip-build ${SWIFT_TEST_FLAGS:-} "$@"
status=$?
[ "$status" = 124 ] && echo "The test run took longer than ${SWITCHYARD_TEST_TIMEOUT:-1800} s and was stopped." >&2
exit "$status"
