#!/usr/bin/env bash
# Runs every benchmark (bench/*.py; names starting with "_" are helpers, not benchmarks)
# with the project's virtualenv. Each prints its own figures; see bench/README.md.
# Benchmarks share this machine's CPUs: run them when nothing else is busy.
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
status=0
for script in bench/*.py; do
    case "$(basename "$script")" in _*) continue ;; esac
    echo "=== $script ==="
    "$PY" "$script" "$@" || status=$?
done
exit $status
