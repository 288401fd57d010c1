#!/usr/bin/env bash
# The whole suite: once on SQLite (the embedded default), once on PostgreSQL.
# pytest's exit code 5 (no tests collected) is a failure here, never a silent pass.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG_TEST_URL="${PG_TEST_URL:-postgres://postgres@127.0.0.1:5432/test}"
export ONEWAY_DATA_DIR="${ONEWAY_DATA_DIR:-$PWD/var/test}"
mkdir -p "$ONEWAY_DATA_DIR"
status=0

run() {
    local label="$1"; shift
    echo "=== $label ==="
    "$PY" -m pytest "$@"
    local rc=$?
    if [ $rc -eq 5 ]; then
        echo "$label: no tests were collected; that is a failure." >&2
        rc=1
    fi
    [ $rc -eq 0 ] || status=$rc
}

DATABASE_URL="sqlite:///$ONEWAY_DATA_DIR/oneway.sqlite3" run "SQLite" "$@"
DATABASE_URL="$PG_TEST_URL" run "PostgreSQL" -m "not e2e and not sqlite_only" "$@"
exit $status
