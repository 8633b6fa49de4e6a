"""The alert monitor in a real browser: a medical officer acknowledges an alert from the
list and sees it move to acknowledged (issue 8, "a browser test of the alert monitor")."""
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_health.models import OverexposureAlert
from ohms_health.services.alerts import alert_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "pass-1234-word"


def test_acknowledge_an_alert_from_the_monitor(live_server, page, shot):
    org = testing.make_organization("SMK", "Société Minière du Katanga")
    doctor = testing.make_member(org, "medical_officer", "docteur@smk.test")
    worker = testing.make_worker(org, employee_number="SMK-00107",
                                 contact=testing.make_contact(org, first_name="Patrice", last_name="Ilunga"))
    other = testing.make_worker(org, employee_number="SMK-00212")
    with acting_as(organization=org):
        alert = alert_create(organization=org, worker=worker, exposure_type="noise", measured_value=Decimal("104"),
                             exposure_limit=Decimal("85"), unit="dB(A)")  # 122.35 %: emergency
        alert_create(organization=org, worker=other, exposure_type="silica dust", measured_value=Decimal("0.045"),
                     exposure_limit=Decimal("0.05"), unit="mg/m³")  # 90 %: warning

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", doctor.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/health/overexposure-alerts/")
    row = page.locator("tr", has_text="SMK-00107")
    expect(row.locator(".ohms-badge--health-alert-emergency")).to_be_visible()
    expect(row.locator(".ohms-badge--health-alert-status-active")).to_have_text("Active")
    shot(page, "health-01-alert-monitor")

    with page.expect_navigation():
        row.locator("button[data-alert-action=acknowledge]").click()
    row = page.locator("tr", has_text="SMK-00107")
    expect(row.locator(".ohms-badge--health-alert-status-acknowledged")).to_have_text("Acknowledged")
    expect(row.locator("button[data-alert-action=resolve]")).to_be_visible()
    shot(page, "health-02-alert-acknowledged")
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.acknowledged_by_id == doctor.pk
    assert OverexposureAlert.objects.filter(status="active").count() == 1
