"""Unauthenticated liveness/readiness report: database, job queue, version.

Served at ``GET /api/v1/status/`` (SPEC DECISIONS 11); ``/api/v1/health/`` belongs to the
occupational-health add-on. The job-queue part says whether a consumer actually runs: a
queue that accepts tasks nobody executes is not "ok" (events, e-mails and webhooks would
silently pile up), so the consumer writes a heartbeat into the queue's own storage
(shared by web and consumer processes) and the report reads its age.
"""
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

#: Key of the consumer heartbeat in Huey's key-value storage.
HEARTBEAT_KEY = "ohms:consumer-heartbeat"


def consumer_heartbeat_write(now: datetime | None = None) -> None:
    """Record that a consumer is alive (called by a periodic task every minute)."""
    from huey.contrib.djhuey import HUEY

    HUEY.put(HEARTBEAT_KEY, (now or timezone.now()).isoformat())


def consumer_heartbeat_read() -> datetime | None:
    from huey.contrib.djhuey import HUEY

    value = HUEY.get(HEARTBEAT_KEY, peek=True)
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def database_pool_stats(conn=None) -> dict | None:
    """Health of the psycopg connection pool (``OHMS_DB_POOL``), None without a pool.

    ``waiting`` above zero, or ``available`` at zero with ``size`` at ``max_size``, means the
    web processes wait for database connections: raise ``OHMS_DB_POOL_MAX`` (within the
    server's ``max_connections``) or add database capacity.
    """
    conn = conn or connection
    pool = getattr(conn, "pool", None) if conn.vendor == "postgresql" else None
    if pool is None:
        return None
    stats = pool.get_stats()
    return {
        "min_size": stats.get("pool_min"),
        "max_size": stats.get("pool_max"),
        "size": stats.get("pool_size"),
        "available": stats.get("pool_available"),
        "waiting": stats.get("requests_waiting", 0),
        "requests": stats.get("requests_num", 0),
        "errors": stats.get("requests_errors", 0) + stats.get("connections_errors", 0),
    }


def _check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"status": "ok", "vendor": connection.vendor, "pool": database_pool_stats()}
    except Exception as exc:  # the point of a status report is to report, not raise
        return {"status": "error", "vendor": connection.vendor, "error": exc.__class__.__name__}


def _runs_in_process(huey) -> bool:
    """Immediate mode (tests) runs every task in the calling process: no consumer needed."""
    return bool(huey.immediate)


def _consumer(huey) -> dict:
    """How long ago a consumer last beat."""
    if _runs_in_process(huey):
        return {"consumer": "immediate"}
    beat = consumer_heartbeat_read()
    if beat is None:
        return {"consumer": "missing", "consumer_seen_at": None,
                "message": _("No job consumer has been seen: background jobs are not running.")}
    age_minutes = int((timezone.now() - beat).total_seconds() // 60)
    info = {"consumer_seen_at": beat.isoformat(), "consumer_age_minutes": age_minutes}
    if age_minutes >= settings.OHMS_CONSUMER_STALE_MINUTES:
        return {**info, "consumer": "stale",
                "message": _("No job consumer seen for %(minutes)d min.") % {"minutes": age_minutes}}
    return {**info, "consumer": "ok"}


def _check_queue():
    from huey.contrib.djhuey import HUEY

    try:
        pending = HUEY.pending_count()
        consumer = _consumer(HUEY)
    except Exception as exc:
        return {"status": "error", "backend": HUEY.__class__.__name__, "error": exc.__class__.__name__}
    status = "ok" if consumer["consumer"] in ("ok", "immediate") else "no_consumer"
    return {"status": status, "backend": HUEY.__class__.__name__, "pending": pending, **consumer}


class StatusView(APIView):
    """GET /api/v1/status/: 200 when the database and the job queue answer, else 503.

    A missing job consumer answers 200 with ``status: "degraded"``: the web process itself
    is alive (a load balancer must not take it out), but the operator must act.
    """

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "Status",
            {"status": serializers.CharField(), "version": serializers.CharField(), "database": serializers.DictField(), "jobs": serializers.DictField()},
        )
    )
    def get(self, request):
        database, jobs = _check_database(), _check_queue()
        reachable = database["status"] == "ok" and jobs["status"] != "error"
        healthy = database["status"] == "ok" and jobs["status"] == "ok"
        body = {"status": "ok" if healthy else "degraded", "version": settings.OHMS_VERSION, "database": database, "jobs": jobs}
        return Response(body, status=200 if reachable else 503)
