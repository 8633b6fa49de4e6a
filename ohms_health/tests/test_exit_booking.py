"""Exit exam scheduling books the clinician (services.exit_booking): the schedule step
creates a medical_exam/exit appointment in the same transaction, a double-booked clinician
refuses the scheduling with nothing stored (API 400 on ``clinician``, admin message / form
error), rescheduling moves the appointment, completing the exam completes it."""
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client, override_settings
from django.utils import timezone

from ohms_core import testing
from ohms_core.models import TransitionLog

from ..models import Appointment, ExitExamination
from ..services.appointments import appointment_create

URL = "/api/v1/health/exit-exams/"
ADMIN = "/admin/health/exit-exams/"
AT = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def officer(org_a):
    return testing.make_member(org_a, "medical_officer", "doc@alpha.test")


@pytest.fixture
def client(officer, org_a):
    return testing.token_client(officer, org_a)


def _login(user):
    client = Client()
    assert client.login(username=user.username, password="pass-1234-word")
    return client


def make_exam(org, **kw):
    worker = testing.make_worker(org)
    kw.setdefault("exit_date", timezone.localdate() + timedelta(days=20))
    return ExitExamination.objects.create(organization=org, worker=worker, **kw)


def _schedule(client, exam, clinician, at=AT):
    return client.post(f"{URL}{exam.pk}/schedule/", {"scheduled_exam_at": at.isoformat(), "clinician": clinician.pk},
                       format="json")


def _other_booking(org, clinician, start=AT + timedelta(minutes=30), minutes=30):
    return appointment_create(organization=org, data={
        "worker": testing.make_worker(org), "provider": clinician, "start": start,
        "end": start + timedelta(minutes=minutes), "appointment_type": "consultation"})


@pytest.mark.django_db
def test_scheduling_books_the_clinician_for_45_minutes(client, officer, org_a):
    exam = make_exam(org_a)
    response = _schedule(client, exam, officer)
    assert response.status_code == 200, response.content
    exam.refresh_from_db()
    appointment = Appointment.objects.get()
    assert exam.appointment == appointment and response.json()["appointment"] == str(appointment.pk)
    assert (appointment.worker_id, appointment.provider_id) == (exam.worker_id, officer.pk)
    assert (appointment.appointment_type, appointment.exam_type, appointment.status) == (
        "medical_exam", "exit", "scheduled")
    assert appointment.start == AT and appointment.end == AT + timedelta(minutes=45)
    assert appointment.organization_id == org_a.pk


@pytest.mark.django_db
@override_settings(OHMS_HEALTH_EXIT_EXAM_MINUTES=60)
def test_slot_length_is_a_setting(client, officer, org_a):
    assert _schedule(client, make_exam(org_a), officer).status_code == 200
    assert Appointment.objects.get().duration_minutes == 60


@pytest.mark.django_db
def test_double_booked_clinician_refuses_the_scheduling_and_stores_nothing(client, officer, org_a):
    taken = _other_booking(org_a, officer)  # 09:30-10:00 overlaps 09:00-09:45
    exam = make_exam(org_a)
    response = _schedule(client, exam, officer)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert "clinician" in errors and "already has an appointment" in errors["clinician"][0]
    exam.refresh_from_db()
    assert exam.status == "pending" and exam.scheduled_exam_at is None and exam.clinician_id is None
    assert exam.appointment_id is None and list(Appointment.objects.all()) == [taken]
    assert not TransitionLog.objects.filter(object_id=str(exam.pk)).exists()
    # A free slot (the other appointment ends at 10:00; touching is fine) works.
    assert _schedule(client, exam, officer, at=AT + timedelta(hours=1)).status_code == 200
    assert Appointment.objects.count() == 2


@pytest.mark.django_db
def test_rescheduling_moves_the_appointment_and_a_clash_is_refused(client, officer, org_a):
    exam = make_exam(org_a)
    assert _schedule(client, exam, officer).status_code == 200
    appointment = Appointment.objects.get()
    later = AT + timedelta(days=1)
    exam.refresh_from_db()
    response = client.patch(f"{URL}{exam.pk}/", {"scheduled_exam_at": later.isoformat()}, format="json")
    assert response.status_code == 200, response.content
    appointment.refresh_from_db()
    assert (appointment.start, appointment.end) == (later, later + timedelta(minutes=45))
    assert Appointment.objects.count() == 1
    # Another clinician takes it over.
    other = testing.make_member(org_a, "org_admin", "dr2@alpha.test")
    assert client.patch(f"{URL}{exam.pk}/", {"clinician": other.pk}, format="json").status_code == 200
    appointment.refresh_from_db()
    assert appointment.provider_id == other.pk
    # Moving onto a slot the clinician already has: 400 on the clinician, nothing moved.
    _other_booking(org_a, other, start=AT + timedelta(days=2))
    response = client.patch(f"{URL}{exam.pk}/", {"scheduled_exam_at": (AT + timedelta(days=2)).isoformat()},
                            format="json")
    assert response.status_code == 400 and "clinician" in response.json()["errors"]
    exam.refresh_from_db()
    appointment.refresh_from_db()
    assert exam.scheduled_exam_at == later and appointment.start == later
    # Emptying the time of a scheduled exam: 400 on the field, the booking stays.
    response = client.patch(f"{URL}{exam.pk}/", {"scheduled_exam_at": None}, format="json")
    assert response.status_code == 400 and "scheduled_exam_at" in response.json()["errors"]
    exam.refresh_from_db()
    assert exam.scheduled_exam_at == later


@pytest.mark.django_db
def test_rescheduling_after_the_appointment_was_cancelled_books_a_new_one(client, officer, org_a):
    exam = make_exam(org_a)
    assert _schedule(client, exam, officer).status_code == 200
    first = Appointment.objects.get()
    Appointment.objects.filter(pk=first.pk).update(status="cancelled")
    later = AT + timedelta(days=3)
    assert client.patch(f"{URL}{exam.pk}/", {"scheduled_exam_at": later.isoformat()}, format="json").status_code == 200
    exam.refresh_from_db()
    assert exam.appointment_id != first.pk and exam.appointment.start == later
    assert exam.appointment.status == "scheduled"


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["scheduled", "confirmed", "checked_in"])
def test_completing_the_exam_completes_the_open_appointment(client, officer, org_a, status):
    exam = make_exam(org_a)
    assert _schedule(client, exam, officer).status_code == 200
    Appointment.objects.update(status=status)
    response = client.post(f"{URL}{exam.pk}/complete/", {"findings": "RAS", "fitness_outcome": "fit"}, format="json")
    assert response.status_code == 200, response.content
    appointment = Appointment.objects.get()
    assert appointment.status == "completed" and appointment.completed_at is not None
    assert TransitionLog.objects.filter(object_id=str(appointment.pk), transition="complete").exists()


@pytest.mark.django_db
def test_completing_leaves_a_no_show_appointment_alone(client, officer, org_a):
    exam = make_exam(org_a)
    assert _schedule(client, exam, officer).status_code == 200
    Appointment.objects.update(status="no_show")
    assert client.post(f"{URL}{exam.pk}/complete/", {"findings": "RAS", "fitness_outcome": "fit"},
                       format="json").status_code == 200
    assert Appointment.objects.get().status == "no_show"


def _press(client, exam, name):
    content_type = ContentType.objects.get_for_model(ExitExamination)
    return client.post(f"/admin/ohms/transition/{content_type.pk}/{exam.pk}/{name}/",
                       {"next": f"{ADMIN}edit/{exam.pk}/"}, follow=True)


@pytest.mark.django_db
def test_admin_schedule_button_books_and_complete_button_closes(officer, org_a):
    exam = make_exam(org_a)
    ExitExamination.objects.filter(pk=exam.pk).update(scheduled_exam_at=AT, clinician=officer, findings="RAS",
                                                      fitness_outcome="fit")
    client = _login(officer)
    assert _press(client, exam, "schedule").status_code == 200
    exam.refresh_from_db()
    assert exam.status == "exam_scheduled" and exam.appointment.start == AT
    assert _press(client, exam, "complete").status_code == 200
    exam.refresh_from_db()
    assert exam.status == "exam_complete" and exam.appointment.status == "completed"


@pytest.mark.django_db
def test_admin_schedule_button_refuses_a_double_booking_with_a_message(officer, org_a):
    taken = _other_booking(org_a, officer)
    exam = make_exam(org_a)
    ExitExamination.objects.filter(pk=exam.pk).update(scheduled_exam_at=AT, clinician=officer)
    response = _press(_login(officer), exam, "schedule")
    assert response.status_code == 200
    assert "already has an appointment" in response.content.decode()
    exam.refresh_from_db()
    assert exam.status == "pending" and exam.appointment_id is None
    assert list(Appointment.objects.all()) == [taken]


@pytest.mark.django_db
def test_admin_edit_reschedules_and_reports_a_clash_on_the_clinician_field(officer, org_a):
    exam = make_exam(org_a)
    ExitExamination.objects.filter(pk=exam.pk).update(scheduled_exam_at=AT, clinician=officer)
    client = _login(officer)
    _press(client, exam, "schedule")
    exam.refresh_from_db()
    appointment = exam.appointment
    later = AT + timedelta(days=1)
    form = {"worker": str(exam.worker_id), "exit_date": exam.exit_date.isoformat(),
            "scheduled_exam_at": timezone.localtime(later).strftime("%Y-%m-%d %H:%M"),
            "clinician": officer.pk}
    response = client.post(f"{ADMIN}edit/{exam.pk}/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    appointment.refresh_from_db()
    assert appointment.start == later
    _other_booking(org_a, officer, start=AT + timedelta(days=2))
    form["scheduled_exam_at"] = timezone.localtime(AT + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    response = client.post(f"{ADMIN}edit/{exam.pk}/", form)
    assert response.status_code == 200
    assert "already has an appointment" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == later


@pytest.mark.django_db
def test_other_organizations_exam_cannot_be_scheduled(client, officer, org_b):
    exam = make_exam(org_b)
    assert _schedule(client, exam, officer).status_code == 404
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_demo_exit_exams_book_appointments_and_the_appointments_demo_still_runs(org_a, admin_a):
    import random

    from ohms_core.context import acting_as

    from ..demo import appointments as appointments_demo
    from ..demo import exit as exit_demo

    for _ in range(6):
        testing.make_worker(org_a)
    with acting_as(organization=org_a, user=admin_a, role="org_admin"):
        exit_demo.load(organization=org_a, user=admin_a, rng=random.Random(1))
        exits = Appointment.objects.filter(exam_type="exit")
        assert sorted(exits.values_list("status", flat=True)) == ["completed", "completed", "scheduled"]
        summary = appointments_demo.load(organization=org_a, user=admin_a, rng=random.Random(1))
        assert "already present" not in summary
        assert Appointment.objects.exclude(exam_type="exit").exists()
        assert "already present" in appointments_demo.load(organization=org_a, user=admin_a, rng=random.Random(1))
