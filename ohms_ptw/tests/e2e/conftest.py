"""Shared set-up of the dashboard and reports browser tests."""
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from ohms_ptw.tests.factories import PtwWorld
from ohms_ptw.tests.test_admin_helpers import PASSWORD
from ohms_ptw.tests.test_kpis import bulk, make


@pytest.fixture
def kpi_world(live_server, page):
    """An organization with one late verification, one late approval and one permit expiring
    soon, another organization's live permits (never counted), and its admin logged in."""
    w = PtwWorld()
    other = PtwWorld(code="OTH")
    now = timezone.now()
    late = make(w, "pending_verification", submitted_at=now - timedelta(hours=9), title="Soudure trémie 3")
    make(w, "pending_approval", verified_at=now - timedelta(hours=6), title="Entrée cuve T-12")
    make(w, "active", planned_end_time=now + timedelta(hours=2), title="Consignation MCC-01")
    bulk(other, 9, status="active", planned_end_time=now + timedelta(hours=1))

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", w.admin.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    return SimpleNamespace(w=w, other=other, now=now, late=late)
