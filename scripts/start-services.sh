#!/usr/bin/env bash
# Installs PostgreSQL and Redis from Debian packages and starts them on loopback (CI and
# local scaled-out runs). Idempotent: users, databases and running servers are reused.
# Prints the environment to use: DATABASE_URL and REDIS_URL.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
if ! command -v pg_ctlcluster >/dev/null || ! command -v redis-server >/dev/null; then
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql redis-server >&2
fi
PGVER=$(ls /etc/postgresql | sort -n | tail -n 1)
$SUDO pg_ctlcluster "$PGVER" main start >&2 2>/dev/null || true
for i in $(seq 1 30); do
  if su postgres -c "pg_isready -q"; then break; fi
  sleep 1
done
su postgres -c "psql -q -c \"CREATE USER ohms WITH PASSWORD 'ohms' CREATEDB;\"" >&2 2>/dev/null || true
su postgres -c "createdb -O ohms ohms" >&2 2>/dev/null || true
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --port 6379 --bind 127.0.0.1 --save "" >&2
  for i in $(seq 1 20); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
echo "export DATABASE_URL=postgres://ohms:ohms@127.0.0.1:5432/ohms"
echo "export REDIS_URL=redis://127.0.0.1:6379/0"
