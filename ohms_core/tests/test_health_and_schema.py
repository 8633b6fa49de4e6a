"""Health check, OpenAPI schema and docs, and the unauthenticated answer."""
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_health_without_auth_is_ok():
    response = APIClient().get("/api/v1/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"] == settings.OHMS_VERSION
    assert body["database"]["status"] == "ok"
    assert body["database"]["vendor"] == connection.vendor
    assert body["jobs"]["status"] == "ok"
    assert isinstance(body["jobs"]["pending"], int)


def test_health_ignores_bad_credentials():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer ohms_nope_nope")
    assert client.get("/api/v1/health/").status_code == 200


def test_health_reports_a_broken_queue_as_503():
    from huey.contrib.djhuey import HUEY

    with mock.patch.object(HUEY, "pending_count", side_effect=ConnectionError("redis down")):
        response = APIClient().get("/api/v1/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["jobs"] == {"status": "error", "backend": HUEY.__class__.__name__, "error": "ConnectionError"}
    assert body["database"]["status"] == "ok"


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
    assert "/api/v1/health/" in paths
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
