"""The doctor's recall list: periodic exams by next due date, exposure-driven audiometry /
spirometry, filters, the bulk "Schedule" action (double booking reported per worker),
roles, the read audit and a fixed number of queries."""
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ohms_core import testing
from ohms_core.models import AuditLog

from ..models import Appointment
from ..services.recall import recall_list, schedule_recalls
from .factories import exam, exposure

URL = "/admin/health/recall/"


def _login(user):
    client = Client()
    assert client.login(username=user.username, password="pass-1234-word")
    return client


@pytest.fixture
def cohort(org_a):
    """overdue: periodic due 10 days ago; soon: due in 20 days; later: due in 90 days;
    noisy: noise exposure, no audiometry; dusty: silica, spirometry 2 years ago;
    tested: cobalt, spirometry 2 months ago; quiet: nothing."""
    today = timezone.localdate()
    contractor = testing.make_enterprise(org_a, name="Sous-traitant")
    w = {name: testing.make_worker(org_a) for name in ("overdue", "soon", "later", "noisy", "tested", "quiet")}
    w["dusty"] = testing.make_worker(org_a, enterprise=contractor, exposure_group="Concassage")
    exam(w["overdue"], exam_date=today - timedelta(days=375), next_due_date=today - timedelta(days=10))
    exam(w["overdue"], exam_date=today - timedelta(days=740), next_due_date=today + timedelta(days=5),
         exam_type="audiometry")  # old audiometry whose recall date is soon
    exam(w["soon"], exam_date=today - timedelta(days=345), next_due_date=today + timedelta(days=20))
    exam(w["later"], exam_date=today - timedelta(days=275), next_due_date=today + timedelta(days=90))
    exposure(w["noisy"], exposure_type="noise", measured_on=today - timedelta(days=30))
    exposure(w["dusty"], exposure_type="Silica dust", unit="mg/m³", measured_on=today - timedelta(days=60))
    exam(w["dusty"], exam_type="spirometry", exam_date=today - timedelta(days=730))
    exposure(w["tested"], exposure_type="cobalt", unit="mg/m³", measured_on=today - timedelta(days=60))
    exam(w["tested"], exam_type="spirometry", exam_date=today - timedelta(days=60))
    exposure(w["quiet"], exposure_type="noise", measured_on=today - timedelta(days=500))  # too old
    return w


def _needs(entries):
    return {e.worker.pk: sorted((n.exam_type, n.reason, n.overdue) for n in e.needs) for e in entries}


@pytest.mark.django_db
def test_recall_contents(org_a, cohort):
    entries = recall_list(org_a, within_days=30)
    assert _needs(entries) == {
        cohort["overdue"].pk: [("audiometry", "periodic", False), ("periodic", "periodic", True)],
        cohort["soon"].pk: [("periodic", "periodic", False)],
        cohort["noisy"].pk: [("audiometry", "exposure", False)],
        cohort["dusty"].pk: [("spirometry", "exposure", False)],
    }
    assert entries[0].worker == cohort["overdue"] and entries[0].exam_type == "periodic"  # overdue first
    assert cohort["later"].pk in _needs(recall_list(org_a, within_days=120))


@pytest.mark.django_db
def test_recall_filters(org_a, cohort):
    contractor = cohort["dusty"].enterprise
    assert set(_needs(recall_list(org_a, enterprise_id=contractor.pk))) == {cohort["dusty"].pk}
    assert set(_needs(recall_list(org_a, exposure_group="concassage"))) == {cohort["dusty"].pk}
    assert set(_needs(recall_list(org_a, exposure_group="noise"))) == {cohort["noisy"].pk}


@pytest.mark.django_db
def test_recall_takes_a_fixed_number_of_queries(org_a, cohort):
    with CaptureQueriesContext(connection) as few:
        recall_list(org_a)
    today = timezone.localdate()
    for _ in range(8):
        worker = testing.make_worker(org_a)
        exam(worker, exam_date=today - timedelta(days=400), next_due_date=today - timedelta(days=1))
        exposure(worker, exposure_type="noise", measured_on=today)
    with CaptureQueriesContext(connection) as many:
        entries = recall_list(org_a)
    assert len(many.captured_queries) == len(few.captured_queries) == 4
    assert len(entries) == 12


@pytest.mark.django_db
def test_schedule_books_back_to_back_and_reports_double_booking(org_a, admin_a, cohort):
    doctor = testing.make_member(org_a, "medical_officer")
    start = datetime.combine(timezone.localdate() + timedelta(days=15), datetime.min.time(), tzinfo=UTC)
    Appointment.objects.create(organization=org_a, worker=cohort["quiet"], provider=doctor,
                               start=start + timedelta(minutes=20), end=start + timedelta(minutes=40))
    entries = recall_list(org_a)
    results = schedule_recalls(organization=org_a, entries=entries, start=start, slot_minutes=20, provider=doctor,
                               user=admin_a)
    assert [bool(r.appointment) for r in results] == [True, False, True, True]
    assert "already has an appointment" in results[1].error
    booked = results[0].appointment
    assert (booked.appointment_type, booked.exam_type, booked.status) == ("medical_exam", "periodic", "scheduled")
    assert [r.appointment.start for r in results if r.appointment] == [
        start, start + timedelta(minutes=40), start + timedelta(minutes=60)]
    assert next(e for e in recall_list(org_a) if e.worker == booked.worker).scheduled == booked.start


@pytest.mark.django_db
def test_recall_screen_filters_audits_and_schedules(org_a, admin_a, cohort):
    client = _login(admin_a)
    page = client.get(URL, {"days": 30})
    assert page.status_code == 200
    html = page.content.decode()
    assert cohort["noisy"].employee_number in html and cohort["later"].employee_number not in html
    audited = set(AuditLog.objects.filter(changes__medical_record="recall_list").values_list("object_id", flat=True))
    assert audited == {str(cohort[n].pk) for n in ("overdue", "soon", "noisy", "dusty")}
    doctor = testing.make_member(org_a, "medical_officer")
    response = client.post(URL, {"days": 30, "workers": [str(cohort["noisy"].pk), str(cohort["dusty"].pk)],
                                 "start": "2026-12-14T08:00", "slot_minutes": 30, "provider": doctor.pk})
    assert response.status_code == 200
    booked = Appointment.objects.filter(provider=doctor).order_by("start")
    assert [a.worker for a in booked] == [cohort["noisy"], cohort["dusty"]]
    assert [a.exam_type for a in booked] == ["audiometry", "spirometry"]
    assert booked[1].start - booked[0].start == timedelta(minutes=30)
    outsider = testing.make_member(testing.make_organization(), "medical_officer")
    refused = client.post(URL, {"workers": [str(cohort["soon"].pk)], "start": "2026-12-15T08:00",
                                "slot_minutes": 30, "provider": outsider.pk})
    assert refused.status_code == 200 and Appointment.objects.count() == 2


@pytest.mark.django_db
def test_recall_screen_query_count_does_not_grow(org_a, admin_a, cohort, django_assert_max_num_queries):
    client = _login(admin_a)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    today = timezone.localdate()
    for _ in range(8):
        exam(testing.make_worker(org_a), exam_date=today - timedelta(days=400), next_due_date=today)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(URL).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["safety_manager", "auditor", "worker", "compliance_officer"])
def test_recall_screen_is_for_medical_roles(org_a, cohort, role):
    client = _login(testing.make_member(org_a, role))
    response = client.get(URL)
    assert response.status_code in (302, 403)
    assert cohort["noisy"].employee_number not in response.content.decode()
    assert not AuditLog.objects.filter(changes__medical_record="recall_list").exists()


@pytest.mark.django_db
def test_a_booked_exam_shows_scheduled_on_and_is_not_offered_again(org_a, admin_a, cohort):
    """A future open appointment of the matching exam type marks the need "scheduled on";
    another type (or a cancelled one) does not; still 4 queries."""
    doctor = testing.make_member(org_a, "medical_officer")
    soon = timezone.now() + timedelta(days=3)

    def book(worker, exam_type, status="scheduled", start=soon):
        return Appointment.objects.create(organization=org_a, worker=worker, provider=doctor, start=start,
                                          end=start + timedelta(minutes=20), appointment_type="medical_exam",
                                          exam_type=exam_type, status=status)

    book(cohort["noisy"], "audiometry")  # matches its only need
    book(cohort["dusty"], "audiometry")  # another exam type: still to schedule
    book(cohort["soon"], "periodic", status="cancelled", start=soon + timedelta(hours=1))  # cancelled: no
    book(cohort["overdue"], "periodic", start=soon + timedelta(hours=2))  # one of its two needs
    with CaptureQueriesContext(connection) as queries:
        entries = {e.worker.pk: e for e in recall_list(org_a)}
    assert len(queries.captured_queries) == 4
    noisy = entries[cohort["noisy"].pk]
    assert noisy.to_schedule == [] and noisy.needs[0].scheduled is not None
    assert [n.exam_type for n in entries[cohort["dusty"].pk].to_schedule] == ["spirometry"]
    assert [n.exam_type for n in entries[cohort["soon"].pk].to_schedule] == ["periodic"]
    overdue = entries[cohort["overdue"].pk]
    assert [n.exam_type for n in overdue.to_schedule] == ["audiometry"] and overdue.exam_type == "audiometry"

    # The bulk action books only what is not booked yet, and reports the rest.
    results = schedule_recalls(organization=org_a, entries=[noisy, overdue], start=soon + timedelta(days=1),
                               slot_minutes=20, provider=doctor, user=admin_a)
    assert [(r.worker, bool(r.appointment)) for r in results] == [(cohort["noisy"], False), (cohort["overdue"], True)]
    assert "Already scheduled on" in results[0].error and results[1].appointment.exam_type == "audiometry"

    # The screen: "scheduled on" and no checkbox for a fully booked worker.
    html = _login(admin_a).get(URL, {"days": 30}).content.decode()
    assert "scheduled on" in html
    assert f'value="{cohort["noisy"].pk}"' not in html and f'value="{cohort["dusty"].pk}"' in html


@pytest.mark.django_db
def test_a_periodic_exam_renews_the_pre_employment_one(org_a):
    """Fitness exams are one series: an old pre-employment due date is not "overdue" once a
    periodic exam followed; the periodic exam's own due date counts instead."""
    worker = testing.make_worker(org_a)
    today = timezone.localdate()
    exam(worker, exam_type="pre_employment", exam_date=today - timedelta(days=900),
         next_due_date=today - timedelta(days=535))
    assert [n.exam_type for e in recall_list(org_a) if e.worker == worker for n in e.needs] == ["pre_employment"]
    exam(worker, exam_type="periodic", exam_date=today - timedelta(days=100), next_due_date=today + timedelta(days=265))
    assert not [e for e in recall_list(org_a) if e.worker == worker]
    exam(worker, exam_type="return_to_work", exam_date=today - timedelta(days=10), next_due_date=today + timedelta(days=5))
    assert [n.exam_type for e in recall_list(org_a) if e.worker == worker for n in e.needs] == ["return_to_work"]
