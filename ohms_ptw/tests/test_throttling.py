"""Rate limits of the PTW endpoints (SPEC 5.3): per-user scopes, 429 with Retry-After,
rates from the settings."""
from __future__ import annotations

import pytest
from django.conf import settings

from ohms_core import testing

from ..throttles import PTWBulkExportThrottle, PTWKpiThrottle, PTWSyncThrottle
from .helpers import BASE
from .throttle_utils import throttle_rates

pytestmark = pytest.mark.django_db


def test_default_rates_are_read_from_the_settings():
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert {"ptw_kpi", "ptw_bulk_export", "ptw_sync", "notifications"} <= set(rates)
    # The site's base settings carry the SPEC defaults (the test settings raise them).
    from ohms_site.settings import base

    assert base.PTW_KPI_RATE == "120/min" and base.PTW_BULK_EXPORT_RATE == "5/hour" and base.PTW_SYNC_RATE == "60/min"
    assert base.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["ptw_kpi"] == base.PTW_KPI_RATE
    assert base.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["ptw_bulk_export"] == base.PTW_BULK_EXPORT_RATE
    assert base.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["ptw_sync"] == base.PTW_SYNC_RATE


def test_a_scope_missing_from_rest_framework_falls_back_to_the_setting_then_the_default(settings):
    config = dict(settings.REST_FRAMEWORK)
    config["DEFAULT_THROTTLE_RATES"] = {"user": "10/min"}
    settings.REST_FRAMEWORK = config
    settings.PTW_SYNC_RATE = "7/min"
    del settings.PTW_KPI_RATE
    assert PTWSyncThrottle().get_rate() == "7/min"
    assert PTWKpiThrottle().get_rate() == "120/min"
    assert PTWBulkExportThrottle().num_requests == 5  # "5/hour" from the setting of base.py


def test_kpi_throttle_limit(w):
    client = w.client(w.admin)
    with throttle_rates(ptw_kpi="2/min"):
        answers = [client.get(BASE + "kpis/") for _i in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert 0 < int(answers[2]["Retry-After"]) <= 60
        # The list is not in the KPI scope; another user has their own allowance.
        assert client.get(BASE).status_code == 200
        assert w.client(w.verifier).get(BASE + "kpis/").status_code == 200


def test_bulk_export_throttle_limit(w):
    permit_id = w.create_permit()["id"]
    client = w.client(w.admin)
    body = {"permit_ids": [permit_id]}
    with throttle_rates(ptw_bulk_export="2/min"):
        answers = [client.post(BASE + "bulk_export_pdf/", body, format="json"),
                   client.post(BASE + "bulk_export_excel/", body, format="json"),
                   client.post(BASE + "bulk_export_excel/", body, format="json")]
        assert [a.status_code for a in answers] == [200, 200, 429]  # both bulk formats share one allowance
        assert int(answers[2]["Retry-After"]) > 0
        assert answers[2].json()["code"] == "throttled"
        # A single permit's PDF and the KPIs are other scopes.
        assert client.get(f"{BASE}{permit_id}/export_pdf/").status_code == 200
        assert client.get(BASE + "kpis/").status_code == 200


def test_bulk_export_throttle_is_per_user_and_per_organization_member(w):
    permit_id = w.create_permit()["id"]
    body = {"permit_ids": [permit_id]}
    other = testing.make_member(w.org, "safety_manager")
    with throttle_rates(ptw_bulk_export="1/hour"):
        assert w.client(w.admin).post(BASE + "bulk_export_excel/", body, format="json").status_code == 200
        assert w.client(w.admin).post(BASE + "bulk_export_excel/", body, format="json").status_code == 429
        assert w.client(other).post(BASE + "bulk_export_excel/", body, format="json").status_code == 200


def test_sync_throttle_limit(w):
    """``ptw_sync`` per user and device (SPEC 5.3): 429 with Retry-After past the rate; another
    device of the same user, or another user, has its own allowance."""
    client = w.client(w.requester)
    url = "/api/v1/ptw/sync-offline-data/"
    with throttle_rates(ptw_sync="2/min"):
        answers = [client.post(url, {"device_id": "tab-1", "changes": []}, format="json") for _i in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert 0 < int(answers[2]["Retry-After"]) <= 60
        assert client.post(url, {"device_id": "tab-2", "changes": []}, format="json").status_code == 200
        assert w.client(w.issuer).post(url, {"device_id": "tab-1", "changes": []}, format="json").status_code == 200
