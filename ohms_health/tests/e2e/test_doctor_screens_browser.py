"""The doctor's screens in a real browser: the medical file with its timeline and risk trend,
an audiogram and spirometry on the examination screen, recording an examination."""
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ohms_core import testing
from ohms_health.models import MedicalExamination
from ohms_health.services.risk import calculate_profile
from ohms_health.tests.factories import exam, exposure

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, user):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "pass-1234-word")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def test_medical_file_examination_charts_and_new_exam(live_server, page, shot):
    org = testing.make_organization("E2EH")
    officer = testing.make_member(org, "medical_officer")
    worker = testing.make_worker(org)
    today = timezone.localdate()
    exam(worker, exam_date=today - timedelta(days=120), next_due_date=today + timedelta(days=245))
    audiogram = exam(worker, exam_type="audiometry", exam_date=today - timedelta(days=30), results={
        "hearing_thresholds": {"right": {"500": 10, "1000": 15, "2000": 20, "4000": 45, "8000": 40},
                               "left": {"500": 15, "1000": 20, "2000": 30, "4000": 55, "8000": 50}},
        "fev1": 3.0, "fvc": 4.1, "fev1_fvc": 0.73, "fev1_predicted": 3.5, "fvc_predicted": 4.4})
    exposure(worker, measured_on=today - timedelta(days=3), measured_level=92, high_risk=True)
    calculate_profile(worker=worker)
    calculate_profile(worker=worker)
    _login(page, live_server, officer)

    page.goto(f"{live_server.url}/admin/health/workers/{worker.pk}/medical/")
    expect(page.locator(".ohms-fitness")).to_contain_text("Fit")
    expect(page.locator("tr[data-kind=examination]")).to_have_count(2)
    expect(page.locator("tr[data-kind=exposure]")).to_have_count(1)
    expect(page.locator(".ohms-trend-point")).to_have_count(2)
    shot(page, "health-10-medical-file")

    page.goto(f"{live_server.url}/admin/health/examinations/inspect/{audiogram.pk}/")
    expect(page.locator(".ohms-audiogram-right")).to_have_count(5)
    expect(page.locator(".ohms-audiogram-left")).to_have_count(5)
    expect(page.locator(".ohms-spiro-measured")).to_have_count(2)
    shot(page, "health-11-examination-charts")

    page.goto(f"{live_server.url}/admin/health/examinations/new/")
    page.select_option("select[name=worker]", str(worker.pk))
    page.select_option("select[name=exam_type]", "audiometry")
    page.fill("input[name=exam_date]", today.isoformat())
    page.keyboard.press("Escape")
    page.select_option("select[name=fitness_outcome]", "fit")
    page.fill("input[name=hl_right_4000]", "50")
    page.fill("input[name=hl_left_4000]", "60")
    shot(page, "health-12-new-examination-form")
    page.click("button[type=submit]:has-text('Create')")
    page.wait_for_url(f"{live_server.url}/admin/health/examinations/")
    created = MedicalExamination.objects.filter(worker=worker, exam_date=today).get()
    assert created.results == {"hearing_thresholds": {"right": {"4000": 50}, "left": {"4000": 60}}}
