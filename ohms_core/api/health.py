"""Unauthenticated liveness/readiness: database, job queue, version."""
from django.conf import settings
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


def _check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"status": "ok", "vendor": connection.vendor}
    except Exception as exc:  # the point of a health check is to report, not raise
        return {"status": "error", "vendor": connection.vendor, "error": exc.__class__.__name__}


def _check_queue():
    from huey.contrib.djhuey import HUEY

    try:
        pending = HUEY.pending_count()
        return {"status": "ok", "backend": HUEY.__class__.__name__, "pending": pending}
    except Exception as exc:
        return {"status": "error", "backend": HUEY.__class__.__name__, "error": exc.__class__.__name__}


class HealthView(APIView):
    """GET /api/v1/health/: 200 when the database and the job queue answer, else 503."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "Health",
            {"status": serializers.CharField(), "version": serializers.CharField(), "database": serializers.DictField(), "jobs": serializers.DictField()},
        )
    )
    def get(self, request):
        database, jobs = _check_database(), _check_queue()
        healthy = database["status"] == "ok" and jobs["status"] == "ok"
        body = {"status": "ok" if healthy else "degraded", "version": settings.OHMS_VERSION, "database": database, "jobs": jobs}
        return Response(body, status=200 if healthy else 503)
