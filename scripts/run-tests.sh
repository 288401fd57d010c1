#!/usr/bin/env bash
# The whole suite: once on SQLite (the embedded default, with the browser tests), once on
# PostgreSQL. The two legs run at the same time, each with its own data directory and Redis
# database (most of the suite waits on subprocesses, sockets and browsers, so two legs share
# two cores well); ONEWAY_TEST_SERIAL=1 runs them one after the other.
# pytest's exit code 5 (no tests collected) is a failure here, never a silent pass.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG_TEST_URL="${PG_TEST_URL:-postgres://postgres@127.0.0.1:5432/test}"
base="${ONEWAY_DATA_DIR:-$PWD/var/test}"
mkdir -p "$base/sqlite" "$base/postgres"

run() {
    local label="$1"; shift
    echo "=== $label ==="
    "$PY" -m pytest "$@"
    local rc=$?
    if [ $rc -eq 5 ]; then
        echo "$label: no tests were collected; that is a failure." >&2
        rc=1
    fi
    return $rc
}

sqlite_leg() {
    ONEWAY_DATA_DIR="$base/sqlite" ONEWAY_TEST_REDIS_DB=15 \
        DATABASE_URL="sqlite:///$base/sqlite/oneway.sqlite3" run "SQLite" "$@"
}

postgres_leg() {
    ONEWAY_DATA_DIR="$base/postgres" ONEWAY_TEST_REDIS_DB=14 \
        DATABASE_URL="$PG_TEST_URL" run "PostgreSQL" -m "not e2e and not sqlite_only" "$@"
}

if [ "${ONEWAY_TEST_SERIAL:-}" = 1 ]; then
    sqlite_leg "$@"; sqlite_rc=$?
    postgres_leg "$@"; postgres_rc=$?
else
    log="$base/postgres.log"
    postgres_leg "$@" >"$log" 2>&1 &
    pg_pid=$!
    sqlite_leg "$@"; sqlite_rc=$?
    wait "$pg_pid"; postgres_rc=$?
    cat "$log"
fi
echo "SQLite leg: exit $sqlite_rc; PostgreSQL leg: exit $postgres_rc"
[ "$sqlite_rc" -eq 0 ] && [ "$postgres_rc" -eq 0 ]
