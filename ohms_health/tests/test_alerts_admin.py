"""The admin alert monitor: colour-coded list, filters, search, quick buttons through the
generic transition URL, bulk acknowledge, history, thresholds screen, tenancy."""
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from ohms_core import testing
from ohms_core.context import acting_as

from ..models import AlertThreshold, OverexposureAlert
from ..services.alerts import alert_create

INDEX = "/admin/health/overexposure-alerts/"
BULK = "/admin/health/overexposure-alerts-bulk/acknowledge/"


def _login(user):
    client = Client()
    assert client.login(username=user.username, password="pass-1234-word")
    return client


def _alert(worker, percent, exposure_type="noise"):
    with acting_as(organization=worker.organization):
        return alert_create(organization=worker.organization, worker=worker, exposure_type=exposure_type,
                            measured_value=Decimal(percent), exposure_limit=Decimal("100"))


def _transition_url(alert, name):
    ct = ContentType.objects.get_for_model(OverexposureAlert)
    return f"/admin/ohms/transition/{ct.pk}/{alert.pk}/{name}/"


@pytest.fixture
def worker_a(org_a):
    return testing.make_worker(org_a, employee_number="A-00042")


@pytest.mark.django_db
def test_monitor_lists_badges_filters_and_search(admin_a, worker_a, org_a, org_b):
    _alert(worker_a, "85")
    _alert(worker_a, "130", "dust")
    foreign = _alert(testing.make_worker(org_b, employee_number="B-00001"), "150")
    client = _login(admin_a)
    body = client.get(INDEX).content.decode()
    assert "ohms-badge--health-alert-warning" in body and "ohms-badge--health-alert-emergency" in body
    assert "A-00042" in body and "B-00001" not in body and str(foreign.pk) not in body
    assert 'data-alert-action="acknowledge"' in body and "Acknowledge selected" in body
    filtered = client.get(INDEX, {"severity": "emergency"}).content.decode()
    assert "health-alert-emergency" in filtered and "ohms-badge--health-alert-warning" not in filtered
    assert "A-00042" in client.get(INDEX, {"q": "A-00042"}).content.decode()
    assert "A-00042" not in client.get(INDEX, {"q": "ZZZ-999"}).content.decode()


@pytest.mark.django_db
def test_quick_acknowledge_then_resolve_from_the_list(admin_a, worker_a):
    alert = _alert(worker_a, "110")
    client = _login(admin_a)
    response = client.post(_transition_url(alert, "acknowledge"), {"next": INDEX, "ohms_version": alert.version})
    assert response.status_code == 302 and response.url == INDEX
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.acknowledged_by == admin_a
    assert 'data-alert-action="resolve"' in client.get(INDEX).content.decode()
    client.post(_transition_url(alert, "resolve"), {"next": INDEX, "ohms_transition_comment": "Ear muffs issued"})
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.actions_taken == "Ear muffs issued"
    history = client.get(f"{INDEX}history/{alert.pk}/")
    assert history.status_code == 200


@pytest.mark.django_db
def test_bulk_acknowledge_from_the_monitor(admin_a, worker_a, org_b):
    first, second = _alert(worker_a, "85"), _alert(worker_a, "110", "dust")
    foreign = _alert(testing.make_worker(org_b), "150")
    client = _login(admin_a)
    response = client.post(BULK, {"alert_ids": [str(first.pk), str(second.pk), str(foreign.pk)], "next": INDEX})
    assert response.status_code == 302
    assert set(OverexposureAlert.objects.filter(status="acknowledged").values_list("pk", flat=True)) == {
        first.pk, second.pk}
    assert OverexposureAlert.objects.get(pk=foreign.pk).status == "active"


@pytest.mark.django_db
def test_roles_without_permission_cannot_act(org_a, worker_a):
    alert = _alert(worker_a, "110")
    auditor = _login(testing.make_member(org_a, "auditor"))
    assert auditor.get(INDEX).status_code == 200
    auditor.post(_transition_url(alert, "acknowledge"), {"next": INDEX})
    assert auditor.post(BULK, {"alert_ids": [str(alert.pk)]}).status_code in (302, 403)  # Wagtail: back home
    requester = _login(testing.make_member(org_a, "permit_requester"))
    assert requester.get(INDEX).status_code in (302, 403)
    assert requester.post(_transition_url(alert, "acknowledge"), {"next": INDEX}).status_code in (302, 403)
    assert OverexposureAlert.objects.get(pk=alert.pk).status == "active"


@pytest.mark.django_db
def test_other_organization_gets_404(admin_b, worker_a):
    alert = _alert(worker_a, "110")
    client = _login(admin_b)
    assert client.get(f"{INDEX}edit/{alert.pk}/").status_code == 404
    assert client.post(_transition_url(alert, "acknowledge"), {"next": INDEX}).status_code == 404
    assert OverexposureAlert.objects.get(pk=alert.pk).status == "active"


@pytest.mark.django_db
def test_raise_by_hand_in_the_admin_and_below_warning_is_a_form_error(admin_a, worker_a):
    client = _login(admin_a)
    data = {"worker": str(worker_a.pk), "exposure_type": "noise", "measured_value": "60", "exposure_limit": "85",
            "unit": "dB(A)", "notes": ""}
    refused = client.post(f"{INDEX}new/", data)
    assert refused.status_code == 200 and "No alert is warranted" in refused.content.decode()
    created = client.post(f"{INDEX}new/", {**data, "measured_value": "110"})
    assert created.status_code == 302
    assert OverexposureAlert.objects.get().severity == "emergency"


@pytest.mark.django_db
def test_list_query_count_does_not_grow(admin_a, org_a, django_assert_max_num_queries):
    client = _login(admin_a)
    _alert(testing.make_worker(org_a), "110")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(INDEX)
    for n in range(10):
        _alert(testing.make_worker(org_a), str(85 + n))
    with django_assert_max_num_queries(len(few) + 2):
        client.get(INDEX)


@pytest.mark.django_db
def test_thresholds_screen(admin_a, org_a):
    client = _login(admin_a)
    url = "/admin/health/alert-thresholds/new/"
    assert client.get(url).status_code == 200
    data = {"exposure_type": "Silica dust", "warning_percent": "70", "critical_percent": "90",
            "emergency_above_percent": "110"}
    assert client.post(url, data).status_code == 302
    assert AlertThreshold.objects.get(organization=org_a).exposure_type == "silica dust"
    again = client.post(url, data)
    assert again.status_code == 200 and AlertThreshold.objects.count() == 1
    wrong = client.post(url, {**data, "exposure_type": "noise", "warning_percent": "95"})
    assert wrong.status_code == 200 and AlertThreshold.objects.count() == 1


@pytest.mark.django_db
def test_edit_screen_shows_the_workflow_buttons_and_saves_notes(admin_a, worker_a):
    alert = _alert(worker_a, "110")
    client = _login(admin_a)
    page = client.get(f"{INDEX}edit/{alert.pk}/")
    assert page.status_code == 200 and 'data-ohms-transition="acknowledge"' in page.content.decode()
    data = {"worker": str(worker_a.pk), "exposure_type": "noise", "measured_value": "110", "exposure_limit": "100",
            "unit": "", "notes": "Chef d'équipe prévenu"}
    assert client.post(f"{INDEX}edit/{alert.pk}/", data).status_code == 302
    alert.refresh_from_db()
    assert alert.notes == "Chef d'équipe prévenu" and alert.severity == "critical"
    changed = client.post(f"{INDEX}edit/{alert.pk}/", {**data, "measured_value": "60"})
    assert changed.status_code == 200
    alert.refresh_from_db()
    assert alert.measured_value == Decimal("110")
    assert client.get(f"{INDEX}inspect/{alert.pk}/").status_code == 200


@pytest.mark.django_db
def test_exam_values_are_not_in_the_safety_managers_edit_form(org_a, worker_a):
    from .factories import exam

    audiogram = exam(worker_a, exam_type="audiometry")
    with acting_as(organization=org_a):
        alert = alert_create(organization=org_a, worker=worker_a, exposure_type="noise", source_exam=audiogram,
                             measured_value=Decimal("47.5"), exposure_limit=Decimal("40"))
    safety = _login(testing.make_member(org_a, "safety_manager"))
    body = safety.get(f"{INDEX}edit/{alert.pk}/").content.decode()
    assert 'name="measured_value"' not in body and "47.5" not in body
    saved = safety.post(f"{INDEX}edit/{alert.pk}/", {"worker": str(worker_a.pk), "exposure_type": "noise",
                                                      "notes": "Protection auditive vérifiée"})
    assert saved.status_code == 302
    alert.refresh_from_db()
    assert alert.notes == "Protection auditive vérifiée" and alert.measured_value == Decimal("47.5")
    assert 'name="source_exam"' not in safety.get(f"{INDEX}new/").content.decode()
    doctor = _login(testing.make_member(org_a, "medical_officer"))
    assert 'name="measured_value"' in doctor.get(f"{INDEX}edit/{alert.pk}/").content.decode()
    assert 'name="source_exam"' in doctor.get(f"{INDEX}new/").content.decode()
