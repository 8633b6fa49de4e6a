"""Completing a medical-exam appointment records no examination by itself; its screen
offers "Record the examination" (the examination add form with the worker and exam type
preselected from the query string), or the exit examination for an exit appointment."""
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from ohms_core import testing

from ..models import Appointment, ExitExamination, MedicalExamination

APPOINTMENTS = "/admin/health/appointments/"
ADD_EXAM = "/admin/health/examinations/new/"
NINE = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def doctor(org_a):
    return testing.make_member(org_a, "medical_officer", "docteur@alpha.test")


def _login(user):
    client = Client()
    assert client.login(username=user.username, password="pass-1234-word")
    return client


def _appointment(org, provider, *, status="scheduled", appointment_type="medical_exam", exam_type="audiometry"):
    return Appointment.objects.create(organization=org, worker=testing.make_worker(org), provider=provider,
                                      start=NINE, end=NINE + timedelta(minutes=30), appointment_type=appointment_type,
                                      exam_type=exam_type, status=status)


def _selected(html, name):
    """The value of the selected option of select ``name``."""
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    match = re.search(r'<option value="([^"]*)"[^>]*selected', select)
    return match.group(1) if match else None


@pytest.mark.django_db
def test_completing_an_exam_appointment_records_no_examination(doctor, org_a):
    appointment = _appointment(org_a, doctor)
    client = testing.token_client(doctor, org_a)
    for name in ("check_in", "complete"):
        response = client.post(f"/api/v1/health/appointments/{appointment.pk}/transitions/{name}/", {},
                               format="json")
        assert response.status_code == 200, response.content
    appointment.refresh_from_db()
    assert appointment.status == "completed" and not MedicalExamination.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["checked_in", "completed"])
def test_appointment_screen_links_to_the_examination_form(doctor, org_a, status):
    appointment = _appointment(org_a, doctor, status=status)
    html = _login(doctor).get(f"{APPOINTMENTS}edit/{appointment.pk}/").content.decode()
    assert "Record the examination" in html
    assert f'href="{ADD_EXAM}?worker={appointment.worker_id}&amp;exam_type=audiometry"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("kwargs", [{"status": "scheduled"}, {"status": "cancelled"},
                                    {"status": "completed", "appointment_type": "consultation", "exam_type": ""},
                                    {"status": "completed", "exam_type": ""}])
def test_no_link_before_the_visit_or_without_an_exam(doctor, org_a, kwargs):
    appointment = _appointment(org_a, doctor, **kwargs)
    response = _login(doctor).get(f"{APPOINTMENTS}edit/{appointment.pk}/")
    assert response.status_code == 200
    assert "data-ohms-record-examination" not in response.content.decode()


@pytest.mark.django_db
def test_exit_appointment_links_to_its_exit_examination(doctor, org_a):
    appointment = _appointment(org_a, doctor, status="completed", exam_type="exit")
    exam = ExitExamination.objects.create(organization=org_a, worker=appointment.worker, exit_date=NINE.date(),
                                          appointment=appointment)
    html = _login(doctor).get(f"{APPOINTMENTS}edit/{appointment.pk}/").content.decode()
    assert "Open the exit examination" in html and f"/admin/health/exit-exams/edit/{exam.pk}/" in html
    assert "Record the examination" not in html


@pytest.mark.django_db
def test_examination_add_form_takes_worker_and_exam_type_from_the_query(doctor, org_a, org_b):
    worker = testing.make_worker(org_a)
    client = _login(doctor)
    html = client.get(ADD_EXAM, {"worker": str(worker.pk), "exam_type": "spirometry"}).content.decode()
    assert _selected(html, "worker") == str(worker.pk) and _selected(html, "exam_type") == "spirometry"
    # Another organization's worker, a malformed id or an unknown type: ignored, never a 500.
    stranger = testing.make_worker(org_b)
    for query in ({"worker": str(stranger.pk), "exam_type": "bogus"}, {"worker": "not-a-uuid"}):
        response = client.get(ADD_EXAM, query)
        assert response.status_code == 200
        html = response.content.decode()
        assert _selected(html, "worker") in (None, "") and _selected(html, "exam_type") in (None, "")
        assert str(stranger.pk) not in html
