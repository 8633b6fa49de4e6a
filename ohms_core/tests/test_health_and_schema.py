"""Status report (/api/v1/status/), OpenAPI schema and docs, and the unauthenticated answer."""
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_status_without_auth_is_ok():
    response = APIClient().get("/api/v1/status/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"] == settings.OHMS_VERSION
    assert body["database"]["status"] == "ok"
    assert body["database"]["vendor"] == connection.vendor
    assert body["jobs"]["status"] == "ok"
    assert isinstance(body["jobs"]["pending"], int)


def test_status_ignores_bad_credentials():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer ohms_nope_nope")
    assert client.get("/api/v1/status/").status_code == 200


def test_status_reports_a_broken_queue_as_503():
    from huey.contrib.djhuey import HUEY

    with mock.patch.object(HUEY, "pending_count", side_effect=ConnectionError("redis down")):
        response = APIClient().get("/api/v1/status/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["jobs"] == {"status": "error", "backend": HUEY.__class__.__name__, "error": "ConnectionError"}
    assert body["database"]["status"] == "ok"


def test_health_path_is_left_to_the_health_addon():
    """DECISIONS 11: /api/v1/health/ is the occupational-health add-on's root, not ours."""
    response = APIClient().get("/api/v1/health/")
    assert response.status_code != 200 or "database" not in response.json()


def _non_immediate_huey():
    return mock.patch("ohms_core.api.health._runs_in_process", return_value=False)


def test_status_says_no_consumer_when_none_ever_beat():
    with _non_immediate_huey(), mock.patch("ohms_core.api.health.consumer_heartbeat_read", return_value=None):
        response = APIClient().get("/api/v1/status/")
    assert response.status_code == 200  # the web process itself is alive
    body = response.json()
    assert body["status"] == "degraded"
    assert body["jobs"]["status"] == "no_consumer"
    assert body["jobs"]["consumer"] == "missing"


def test_status_reports_a_stale_consumer_with_its_age(settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.OHMS_CONSUMER_STALE_MINUTES = 5
    beat = timezone.now() - timedelta(minutes=12)
    with _non_immediate_huey(), mock.patch("ohms_core.api.health.consumer_heartbeat_read", return_value=beat):
        body = APIClient().get("/api/v1/status/").json()
    assert body["status"] == "degraded"
    assert body["jobs"]["consumer"] == "stale"
    assert body["jobs"]["consumer_age_minutes"] == 12
    assert "12 min" in body["jobs"]["message"]


def test_status_is_ok_after_a_fresh_heartbeat():
    from ohms_core.tasks import consumer_heartbeat

    consumer_heartbeat.call_local()
    with _non_immediate_huey():
        body = APIClient().get("/api/v1/status/").json()
    assert body["status"] == "ok"
    assert body["jobs"]["consumer"] == "ok"
    assert body["jobs"]["consumer_age_minutes"] == 0


def test_schema_is_openapi_3_with_core_paths():
    response = APIClient().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["version"] == settings.OHMS_VERSION
    paths = schema["paths"]
    assert "/api/v1/core/workers/" in paths
    assert {"get", "post"} <= set(paths["/api/v1/core/workers/"])
    assert "/api/v1/core/workers/{id}/" in paths
    assert "/api/v1/core/documents/{id}/new_version/" in paths
    assert "/api/v1/status/" in paths
    # Read-only resources expose no writes.
    assert "post" not in paths["/api/v1/core/audit-log/"]
    assert "put" not in paths["/api/v1/core/audit-log/{id}/"]


def test_docs_page_is_html():
    response = APIClient().get("/api/v1/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"swagger" in response.content.lower()
    assert b"/api/v1/schema/" in response.content


def test_unauthenticated_api_is_401_in_the_error_format():
    response = APIClient().get("/api/v1/core/workers/")
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"detail", "code", "errors"}
    assert body["code"] == "not_authenticated"
    assert body["errors"] == {}
    assert response["WWW-Authenticate"] == "Bearer"


def test_unauthenticated_write_is_401_and_creates_nothing():
    from ohms_core.models import Site

    response = APIClient().post("/api/v1/core/sites/", {"name": "X", "code": "X"}, format="json")
    assert response.status_code == 401
    assert Site.all_objects.count() == 0
