#!/usr/bin/env bash
# Starts the web server and a Huey consumer together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
PY=.venv/bin/python

$PY manage.py run_huey --quiet &
HUEY_PID=$!
cleanup() {
  kill "$HUEY_PID" 2>/dev/null || true
  wait "$HUEY_PID" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

echo "OHMS is starting on http://127.0.0.1:${PORT}/ (admin: http://127.0.0.1:${PORT}/admin/, API docs: http://127.0.0.1:${PORT}/api/v1/docs/, status: http://127.0.0.1:${PORT}/api/v1/status/)"
$PY manage.py runserver "127.0.0.1:${PORT}"
