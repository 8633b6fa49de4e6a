#!/usr/bin/env bash
# `make loadtest` (issue 13 "Load test"): PostgreSQL + Redis (scripts/start-services.sh), the demo
# data in its own database, then for each web worker count in LOADTEST_WORKERS ("1 2"): the
# production server (scripts/serve.sh) on that many gunicorn workers, and locust headless
# (bench/locustfile.py) with LOADTEST_USERS users (50) for LOADTEST_TIME (2m), locust pinned to
# one core with taskset (LOADTEST_LOCUST_CPU, 0) so its own CPU does not float over both.
# Results: var/loadtest/<stamp>/ (locust CSVs, query counts) and report.md (per endpoint
# requests/s, p50/p95/p99, errors, queries per request; the scale-out factor).
#
#   LOADTEST_DB (perf_loadtest)  LOADTEST_SCALE (2: `ohms_demo --scale N`, N organizations of 3,000
#   permits and 1,000 workers each, and locust's users spread over their logins; 0: the plain demo
#   and the demo administrator)  LOADTEST_PERMITS_PER_ORG / LOADTEST_WORKERS_PER_ORG (the command's
#   defaults)  LOADTEST_ROLES (admin,emetteur)  LOADTEST_SKIP_SEED=1 (reuse the database as it is)
#   PORT (8123)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
LOCUST="${LOCUST:-$(dirname "$PY")/locust}"
LOADTEST_TIME="${LOADTEST_TIME:-2m}"
LOADTEST_USERS="${LOADTEST_USERS:-50}"
LOADTEST_WORKERS="${LOADTEST_WORKERS:-1 2}"
LOADTEST_DB="${LOADTEST_DB:-perf_loadtest}"
LOADTEST_SCALE="${LOADTEST_SCALE:-2}"
export LOADTEST_SCALE  # bench/locustfile.py spreads its users over the scaled logins
LOADTEST_LOCUST_CPU="${LOADTEST_LOCUST_CPU:-0}"
# Each pace (seconds users wait between tasks, bench/locustfile.py LOADTEST_WAIT) runs with each
# worker count: "1-3" is the latency run (people reading pages), "0" the capacity run (every user
# asks again at once: the throughput that shows what a second web worker adds).
LOADTEST_PACES="${LOADTEST_PACES:-1-3 0}"
PORT="${PORT:-8123}"
# The figures are taken while all the users run: they start LOADTEST_SPAWN_RATE a second (5: a
# shift signing in over ten seconds, not fifty at once), locust resets its statistics once the
# last one has started (--reset-stats: the sign-ins and each user's first list, queued behind
# them on a server just started, are not in the figures), and each run lasts the ramp plus
# LOADTEST_TIME, so LOADTEST_TIME is what is measured.
LOADTEST_SPAWN_RATE="${LOADTEST_SPAWN_RATE:-5}"
case "$LOADTEST_TIME" in
  *m) measured=$(( ${LOADTEST_TIME%m} * 60 )) ;;
  *s) measured=${LOADTEST_TIME%s} ;;
  *) measured=$LOADTEST_TIME ;;
esac
ramp=$(( (LOADTEST_USERS + LOADTEST_SPAWN_RATE - 1) / LOADTEST_SPAWN_RATE ))

eval "$(scripts/start-services.sh)"
su postgres -c "createdb -O ohms ${LOADTEST_DB}" >/dev/null 2>&1 || true
export DATABASE_URL="postgres://ohms:ohms@127.0.0.1:5432/${LOADTEST_DB}"
export REDIS_URL
export DJANGO_SETTINGS_MODULE=ohms_site.settings.production
export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-loadtest-only-$(date +%s)-not-a-deployment-secret-0123456789}"
export DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost"
export DJANGO_SECURE_SSL_REDIRECT=0
export OHMS_QUERY_COUNT_HEADER=1
export OHMS_VAR_DIR="${OHMS_VAR_DIR:-$PWD/var/loadtest/state}"
mkdir -p "$OHMS_VAR_DIR"

"$PY" manage.py migrate --noinput -v0
if [ "${LOADTEST_SKIP_SEED:-0}" != "1" ]; then
  if [ "$LOADTEST_SCALE" -gt 0 ]; then
    "$PY" manage.py ohms_demo --scale "$LOADTEST_SCALE" \
      ${LOADTEST_PERMITS_PER_ORG:+--permits-per-org "$LOADTEST_PERMITS_PER_ORG"} \
      ${LOADTEST_WORKERS_PER_ORG:+--workers-per-org "$LOADTEST_WORKERS_PER_ORG"}
  else
    "$PY" manage.py ohms_demo
  fi
fi

if [ "${LOADTEST_SKIP_COLLECTSTATIC:-0}" != "1" ]; then
  "$PY" manage.py collectstatic --noinput --verbosity 0  # once, not at each server start
fi

OUT="var/loadtest/$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
server=""
# serve.sh runs in its own process group (setsid): stopping it stops gunicorn and Huey with it.
cleanup() { if [ -n "$server" ]; then kill -TERM -- "-$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi; }
trap cleanup EXIT
for pace in $LOADTEST_PACES; do
for workers in $LOADTEST_WORKERS; do
  tag="wait${pace}-w${workers}"
  echo "== $workers web worker(s), $LOADTEST_USERS users waiting ${pace} s, $LOADTEST_TIME" >&2
  WEB_WORKERS="$workers" HUEY_WORKERS=1 PORT="$PORT" OHMS_SERVE_MIGRATE=0 OHMS_SERVE_COLLECTSTATIC=0 \
    setsid scripts/serve.sh >"$OUT/serve-$tag.log" 2>&1 &
  server=$!
  up=0
  for _ in $(seq 1 "${LOADTEST_START_TIMEOUT:-300}"); do
    if curl -fs -o /dev/null -H "X-Forwarded-Proto: https" "http://127.0.0.1:$PORT/api/v1/status/"; then up=1; break; fi
    sleep 1
  done
  if [ "$up" != "1" ]; then
    echo "make loadtest: the server did not answer /api/v1/status/ on port $PORT:" >&2
    tail -20 "$OUT/serve-$tag.log" >&2
    exit 1
  fi
  LOADTEST_WAIT="$pace" LOADTEST_QUERIES_OUT="$OUT/queries-$tag.json" taskset -c "$LOADTEST_LOCUST_CPU" "$LOCUST" \
    -f bench/locustfile.py --headless -u "$LOADTEST_USERS" -r "$LOADTEST_SPAWN_RATE" -t "$(( measured + ramp ))s" --reset-stats \
    --host "http://127.0.0.1:$PORT" --csv "$OUT/$tag" --only-summary >"$OUT/locust-$tag.log" 2>&1 || true
  cleanup
  server=""
done
done
"$PY" bench/loadtest_report.py "$OUT" --workers $LOADTEST_WORKERS --paces $LOADTEST_PACES --users "$LOADTEST_USERS" --time "$LOADTEST_TIME" \
  --pinned "locust on CPU $LOADTEST_LOCUST_CPU (taskset), $(nproc) cores; figures from the moment all $LOADTEST_USERS users run (started $LOADTEST_SPAWN_RATE a second, ${ramp} s ramp not counted)" | tee "$OUT/report.md"
