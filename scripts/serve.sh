#!/usr/bin/env bash
# `make serve`: OHMS in production mode on one host: migrate, collectstatic, gunicorn (web)
# and HUEY_WORKERS Huey consumers, all on the database, queue and storage named by the
# environment (docs/deployment.md). Ctrl-C / SIGTERM stops everything; if one process
# dies, the others are stopped too (a supervisor such as systemd then restarts the lot).
#
#   required: DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL
#   optional: REDIS_URL (Huey + cache; SqliteHuey file under OHMS_VAR_DIR without it),
#             WEB_WORKERS (default 2 x CPU cores + 1), WEB_BIND (default 127.0.0.1:$PORT),
#             PORT (8000), HUEY_WORKERS (1), OHMS_SERVE_MIGRATE (1), OHMS_SERVE_COLLECTSTATIC (1),
#             FORWARDED_ALLOW_IPS
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-ohms_site.settings.production}"

missing=()
for name in DJANGO_SECRET_KEY DJANGO_ALLOWED_HOSTS DATABASE_URL; do
  if [ -z "${!name:-}" ]; then missing+=("$name"); fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "make serve: refusing to start, missing environment variable(s): ${missing[*]}." >&2
  echo "  e.g. DJANGO_SECRET_KEY=\$(openssl rand -base64 48) DJANGO_ALLOWED_HOSTS=ohms.example.org DATABASE_URL=postgres://ohms:PASSWORD@127.0.0.1:5432/ohms (see docs/deployment.md)" >&2
  exit 2
fi

cores=$(nproc 2>/dev/null || echo 1)
WEB_WORKERS="${WEB_WORKERS:-$((2 * cores + 1))}"
HUEY_WORKERS="${HUEY_WORKERS:-1}"
PORT="${PORT:-8000}"
WEB_BIND="${WEB_BIND:-127.0.0.1:${PORT}}"
if [ -z "${REDIS_URL:-}" ]; then
  echo "make serve: REDIS_URL not set: jobs use the SqliteHuey file (one host only)." >&2
fi

if [ "${OHMS_SERVE_MIGRATE:-1}" = "1" ]; then
  "$PY" manage.py migrate --noinput
fi
if [ "${OHMS_SERVE_COLLECTSTATIC:-1}" = "1" ]; then
  "$PY" manage.py collectstatic --noinput --verbosity 0
fi

pids=()
stop_all() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT
trap 'exit 0' INT TERM

for _ in $(seq 1 "$HUEY_WORKERS"); do
  "$PY" manage.py run_huey --quiet &
  pids+=($!)
done

echo "OHMS (production settings) on http://${WEB_BIND}/ with ${WEB_WORKERS} web worker(s) and ${HUEY_WORKERS} job consumer(s); status: /api/v1/status/"
"$PY" -m gunicorn ohms_site.wsgi:application \
  --pythonpath site,. \
  --bind "$WEB_BIND" \
  --workers "$WEB_WORKERS" \
  --timeout "${WEB_TIMEOUT:-60}" \
  --graceful-timeout 30 \
  --max-requests 2000 --max-requests-jitter 200 \
  --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
  --access-logfile - &
pids+=($!)

# Whichever process ends first (crash or signal) ends the whole group.
wait -n "${pids[@]}" || true
exit 1
