"""Ordering overexposure alerts by role (issue 8, confidentiality side channel).

The percentage of an exam-derived alert is hidden from non-medical readers; ordering by it
would reveal it. Medical officers and org admins may order by ``percent_of_limit``; the
safety manager and the auditor get 400 on ``?ordering=percent_of_limit``, the
``critical-alerts`` default order by severity then date, and a monitor column that is not
sortable (``ohms_health.alert_ordering``)."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from ohms_core import testing
from ohms_core.context import acting_as

from ..models import OverexposureAlert
from ..services.alerts import HEARING_LIMIT_DB, alert_create
from .factories import exam

URL = "/api/v1/health/overexposure-alerts/"
ADMIN_URL = "/admin/health/overexposure-alerts/"
MEDICAL = ("org_admin", "medical_officer")
OTHERS = ("safety_manager", "auditor")
pytestmark = pytest.mark.django_db


@pytest.fixture
def alerts(org_a, admin_a):
    """Oldest to newest: an emergency (121 %), an exam-derived critical at 119 %, a
    critical at 101 %. By percentage: emergency, 119, 101; by severity then date:
    emergency, 101, 119."""
    worker = testing.make_worker(org_a)
    now = timezone.now()
    with acting_as(organization=org_a, user=admin_a, role="org_admin"):
        emergency = alert_create(organization=org_a, worker=worker, exposure_type="dust", measured_value=Decimal("121"),
                                 exposure_limit=Decimal("100"), user=admin_a)
        audiogram = exam(worker, exam_type="audiometry")
        high = alert_create(organization=org_a, worker=worker, exposure_type="noise",
                            measured_value=HEARING_LIMIT_DB * Decimal("1.19"), exposure_limit=HEARING_LIMIT_DB,
                            unit="dB HL", source_exam=audiogram, user=admin_a)
        low = alert_create(organization=org_a, worker=worker, exposure_type="cobalt", measured_value=Decimal("101"),
                           exposure_limit=Decimal("100"), user=admin_a)
    for age, alert in ((3, emergency), (2, high), (1, low)):
        OverexposureAlert.all_objects.filter(pk=alert.pk).update(created_at=now - timedelta(hours=age))
    assert (emergency.severity, high.severity, low.severity) == ("emergency", "critical", "critical")
    return {"emergency": emergency, "high": high, "low": low}


def _ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _client(org, role):
    return testing.token_client(testing.make_member(org, role), org)


@pytest.mark.parametrize("role", MEDICAL)
def test_medical_readers_order_by_percent_of_limit(org_a, alerts, role):
    client = _client(org_a, role)
    by_percent = [str(alerts[name].pk) for name in ("emergency", "high", "low")]
    assert _ids(client.get(URL, {"ordering": "-percent_of_limit"})) == by_percent
    assert _ids(client.get(URL, {"ordering": "percent_of_limit"})) == by_percent[::-1]
    assert _ids(client.get(f"{URL}critical-alerts/")) == by_percent


@pytest.mark.parametrize("role", OTHERS)
@pytest.mark.parametrize("ordering", ["percent_of_limit", "-percent_of_limit", "severity,-percent_of_limit",
                                      " -percent_of_limit"])
def test_other_roles_may_not_order_by_percent_of_limit(org_a, alerts, role, ordering):
    client = _client(org_a, role)
    response = client.get(URL, {"ordering": ordering})
    assert response.status_code == 400
    assert "ordering" in response.json()["errors"]
    assert client.get(f"{URL}critical-alerts/", {"ordering": ordering}).status_code == 400


@pytest.mark.parametrize("role", OTHERS)
def test_other_roles_order_by_visible_fields_and_critical_alerts_by_severity_then_date(org_a, alerts, role):
    client = _client(org_a, role)
    emergency, high, low = (str(alerts[name].pk) for name in ("emergency", "high", "low"))
    assert _ids(client.get(URL, {"ordering": "created_at"})) == [emergency, high, low]
    assert _ids(client.get(URL, {"ordering": "-created_at"})) == [low, high, emergency]
    assert _ids(client.get(URL, {"ordering": "severity,-created_at"})) == [low, high, emergency]
    assert _ids(client.get(URL)) == [low, high, emergency]  # default: newest first
    # Severity rank (emergency first), then newest first: the 101 % alert before the 119 % one.
    assert _ids(client.get(f"{URL}critical-alerts/")) == [emergency, low, high]


def _admin(org, role):
    client = Client()
    client.force_login(testing.make_member(org, role))
    return client


def _admin_order(html, alerts):
    positions = {name: html.find(f'value="{alert.pk}"') for name, alert in alerts.items()}
    assert all(position >= 0 for position in positions.values()), positions
    return sorted(positions, key=positions.get)


@pytest.mark.parametrize("role", MEDICAL)
def test_monitor_percent_column_is_sortable_for_medical_readers(org_a, alerts, role):
    client = _admin(org_a, role)
    html = client.get(ADMIN_URL).content.decode()
    assert "ordering=percent_of_limit" in html or "ordering=-percent_of_limit" in html
    assert _admin_order(client.get(ADMIN_URL, {"ordering": "-percent_of_limit"}).content.decode(),
                        alerts) == ["emergency", "high", "low"]


@pytest.mark.parametrize("role", ("safety_manager",))
def test_monitor_percent_column_is_not_sortable_for_other_roles(org_a, alerts, role):
    """The safety manager acts on alerts (checkboxes); the header has no sort link and an
    ordering by percentage in the URL falls back to the default order (newest first)."""
    client = _admin(org_a, role)
    html = client.get(ADMIN_URL).content.decode()
    assert "percent_of_limit" not in html
    response = client.get(ADMIN_URL, {"ordering": "-percent_of_limit"})
    assert response.status_code == 200
    assert _admin_order(response.content.decode(), alerts) == ["low", "high", "emergency"]
    assert _admin_order(client.get(ADMIN_URL, {"ordering": "created_at"}).content.decode(),
                        alerts) == ["emergency", "high", "low"]


def test_auditor_monitor_ignores_percent_ordering(org_a, alerts):
    """The auditor reads the monitor (no checkboxes): no sort link on the percentage, and
    the order asked for in the URL is not applied."""
    client = _admin(org_a, "auditor")
    assert "percent_of_limit" not in client.get(ADMIN_URL).content.decode()
    html = client.get(ADMIN_URL, {"ordering": "percent_of_limit"}).content.decode()
    positions = [html.find(str(alerts[name].pk)) for name in ("low", "high", "emergency")]
    assert -1 not in positions and positions == sorted(positions)  # newest first, the default
