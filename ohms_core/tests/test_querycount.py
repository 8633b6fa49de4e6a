"""The load-test query count header (issue 13): present only when enabled, and exact."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from ohms_core.querycount import HEADER

pytestmark = pytest.mark.django_db
MIDDLEWARE = [settings.MIDDLEWARE[0], "ohms_core.querycount.QueryCountMiddleware", *settings.MIDDLEWARE[1:]]


def test_header_counts_the_queries_of_a_request():
    get_user_model().objects.create_user("qc", "qc@example.cd", "pw-Long-enough-1", is_staff=True, is_superuser=True)
    with override_settings(MIDDLEWARE=MIDDLEWARE, OHMS_QUERY_COUNT_HEADER=True):
        client = Client()
        client.login(username="qc", password="pw-Long-enough-1")
        client.get("/admin/")  # warm
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/admin/")
    assert response.status_code == 200
    assert int(response[HEADER]) == len(ctx.captured_queries) >= 2  # session and user reads included


def test_no_header_unless_enabled():
    with override_settings(MIDDLEWARE=MIDDLEWARE, OHMS_QUERY_COUNT_HEADER=False):
        assert HEADER not in Client().get("/admin/login/")
    assert "ohms_core.querycount.QueryCountMiddleware" not in settings.MIDDLEWARE  # off by default
