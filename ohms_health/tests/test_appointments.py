"""Appointments and transactions (SPEC 3.6): double booking, the lifecycle (each edge, a
forbidden one, a role without permission, a stale writer), filters, soft delete, other
tenants, list query counts."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_core.models import TransitionLog

from ..models import Appointment, Transaction

URL = "/api/v1/health/appointments/"
TX = "/api/v1/health/transactions/"
NINE = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def doctor(org_a):
    return testing.make_member(org_a, "medical_officer", "docteur@alpha.test")


@pytest.fixture
def doctor_client(doctor, org_a):
    return testing.token_client(doctor, org_a)


@pytest.fixture
def patient(org_a):
    return testing.make_worker(org_a)


def _body(worker, provider, start=NINE, minutes=30, **kw):
    return {"worker": str(worker.pk), "provider": provider.pk, "start": start.isoformat(),
            "end": (start + timedelta(minutes=minutes)).isoformat(), "appointment_type": "consultation", **kw}


def _book(client, worker, provider, **kw):
    response = client.post(URL, _body(worker, provider, **kw), format="json")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.django_db
def test_create_answers_the_fields(doctor_client, doctor, patient, org_a):
    nurse = testing.make_member(org_a, "medical_officer")
    body = _book(doctor_client, patient, doctor, staff=[nurse.pk], billing_codes=["CS-01"],
                 cost_estimate="25.00", location="Clinique Likasi", appointment_type="medical_exam",
                 exam_type="audiometry")
    assert body["status"] == "scheduled" and body["duration_minutes"] == 30
    assert body["staff"] == [nurse.pk] and body["currency"] == "EUR" and body["exam_type"] == "audiometry"
    assert Appointment.objects.get().history.count() == 1


@pytest.mark.django_db
def test_double_booking_is_refused_adjacent_slots_allowed(doctor_client, doctor, patient, org_a):
    _book(doctor_client, patient, doctor)  # 09:00-09:30
    _book(doctor_client, testing.make_worker(org_a), doctor, start=NINE + timedelta(minutes=30))  # adjacent
    _book(doctor_client, patient, doctor, start=NINE - timedelta(minutes=30))  # adjacent before
    clash = doctor_client.post(URL, _body(testing.make_worker(org_a), doctor, start=NINE + timedelta(minutes=15)),
                               format="json")
    assert clash.status_code == 400
    assert "already has an appointment" in clash.json()["errors"]["provider"][0]
    inside = doctor_client.post(URL, _body(patient, doctor, start=NINE + timedelta(minutes=5), minutes=10),
                                format="json")
    assert inside.status_code == 400 and "provider" in inside.json()["errors"]
    other_doctor = testing.make_member(org_a, "medical_officer")
    _book(doctor_client, patient, other_doctor, start=NINE + timedelta(minutes=15))  # another clinician: fine
    assert Appointment.objects.count() == 4


@pytest.mark.django_db
def test_a_cancelled_appointment_frees_the_slot_and_moving_rechecks(doctor_client, doctor, patient, org_a):
    first = _book(doctor_client, patient, doctor)
    later = _book(doctor_client, patient, doctor, start=NINE + timedelta(hours=1))
    moved = doctor_client.patch(f"{URL}{later['id']}/", {"start": (NINE + timedelta(minutes=10)).isoformat(),
                                                         "end": (NINE + timedelta(minutes=40)).isoformat()},
                                format="json")
    assert moved.status_code == 400 and "provider" in moved.json()["errors"]
    cancelled = doctor_client.post(f"{URL}{first['id']}/transitions/cancel/", {"comment": "Patient en congé"},
                                   format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    _book(doctor_client, testing.make_worker(org_a), doctor)  # the freed slot
    same = doctor_client.patch(f"{URL}{later['id']}/", {"location": "Salle 2"}, format="json")
    assert same.status_code == 200  # its own slot does not clash with itself


@pytest.mark.django_db
def test_bad_input_is_400_with_field_errors(doctor_client, doctor, patient, org_a):
    inverted = doctor_client.post(URL, _body(patient, doctor, minutes=-10), format="json")
    assert inverted.status_code == 400 and "end" in inverted.json()["errors"]
    naive = _body(patient, doctor)
    naive["start"], naive["end"] = "2026-12-07T09:00:00", "2026-12-07T09:30:00"
    created = doctor_client.post(URL, naive, format="json")  # no offset: the server's time zone applies
    assert created.status_code == 201
    from django.utils import timezone

    stored = Appointment.objects.get(pk=created.json()["id"]).start
    assert stored == timezone.make_aware(datetime(2026, 12, 7, 9, 0)) and timezone.is_aware(stored)
    bad = doctor_client.post(URL, _body(patient, doctor, start=NINE + timedelta(days=1), appointment_type="party",
                                        cost_estimate="-1", timezone="Mars/Olympus", billing_codes="CS"),
                             format="json")
    assert bad.status_code == 400
    assert {"appointment_type", "cost_estimate"} <= set(bad.json()["errors"])
    exam_on_meeting = doctor_client.post(URL, _body(patient, doctor, start=NINE + timedelta(days=2),
                                                    appointment_type="meeting", exam_type="spirometry"),
                                     format="json")
    assert exam_on_meeting.status_code == 400 and "exam_type" in exam_on_meeting.json()["errors"]
    mars = doctor_client.post(URL, _body(patient, doctor, start=NINE + timedelta(days=2), timezone="Mars/Olympus"),
                              format="json")
    assert mars.status_code == 400 and "timezone" in mars.json()["errors"]
    outsider = testing.make_member(testing.make_organization(), "medical_officer")
    foreign_doctor = doctor_client.post(URL, _body(patient, outsider, start=NINE + timedelta(days=3)),
                                        format="json")
    assert foreign_doctor.status_code == 400 and "provider" in foreign_doctor.json()["errors"]


@pytest.mark.django_db
def test_lifecycle_edges_forbidden_edge_and_log(doctor_client, doctor, patient):
    appointment = _book(doctor_client, patient, doctor)
    url = f"{URL}{appointment['id']}/transitions/"
    names = {o["name"] for o in doctor_client.get(url).json()}
    assert names == {"confirm", "check_in", "cancel", "mark_no_show"}
    confirmed = doctor_client.post(f"{url}confirm/", {}, format="json").json()
    assert confirmed["status"] == "confirmed" and confirmed["confirmed_at"]
    assert doctor_client.post(f"{url}confirm/", {}, format="json").status_code == 409  # not from confirmed
    assert doctor_client.post(f"{url}check_in/", {"version": 1}, format="json").status_code == 409  # stale
    checked_in = doctor_client.post(f"{url}check_in/", {}, format="json").json()
    assert checked_in["status"] == "checked_in" and checked_in["checked_in_at"]
    assert doctor_client.post(f"{url}cancel/", {"comment": "x"}, format="json").status_code == 409  # forbidden
    done = doctor_client.post(f"{url}complete/", {}, format="json").json()
    assert done["status"] == "completed" and done["completed_at"]
    assert doctor_client.get(url).json() == []  # final
    logs = TransitionLog.objects.filter(object_id=appointment["id"]).values_list("transition", "user_id")
    assert list(logs.order_by("timestamp", "id")) == [("confirm", doctor.pk), ("check_in", doctor.pk),
                                                 ("complete", doctor.pk)]


@pytest.mark.django_db
def test_walk_in_no_show_and_cancel_needs_a_comment(doctor_client, doctor, patient):
    walk_in = _book(doctor_client, patient, doctor)
    response = doctor_client.post(f"{URL}{walk_in['id']}/transitions/check_in/", {}, format="json")
    assert response.json()["status"] == "checked_in"
    missed = _book(doctor_client, patient, doctor, start=NINE + timedelta(hours=2))
    assert doctor_client.post(f"{URL}{missed['id']}/transitions/cancel/", {}, format="json").status_code == 400
    no_show = doctor_client.post(f"{URL}{missed['id']}/transitions/mark_no_show/", {}, format="json")
    assert no_show.json()["status"] == "no_show"
    assert doctor_client.post(f"{URL}{missed['id']}/transitions/confirm/", {}, format="json").status_code == 409


@pytest.mark.django_db
def test_status_cannot_be_written_directly(doctor_client, doctor, patient):
    appointment = _book(doctor_client, patient, doctor)
    response = doctor_client.patch(f"{URL}{appointment['id']}/", {"status": "completed"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "scheduled"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["safety_manager", "auditor", "worker", "compliance_officer", "integrator"])
def test_roles_without_permission(org_a, doctor, patient, role):
    with acting_as(organization=org_a):
        appointment = Appointment.objects.create(organization=org_a, worker=patient, provider=doctor, start=NINE,
                                                 end=NINE + timedelta(minutes=30))
    client = testing.token_client(testing.make_member(org_a, role), org_a)
    assert client.get(URL).status_code == 403
    assert client.post(URL, _body(patient, doctor, start=NINE + timedelta(hours=3)), format="json").status_code == 403
    assert client.post(f"{URL}{appointment.pk}/transitions/confirm/", {}, format="json").status_code == 403
    assert client.get(TX).status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == "scheduled"


@pytest.mark.django_db
def test_transition_permission_refuses_a_role_the_policy_lets_read(org_a, doctor, patient, monkeypatch):
    """The transition's own permission (role_permission) is checked, not only the API policy."""
    from .. import permissions

    monkeypatch.setitem(permissions.RESOURCES, "appointment", {**permissions.RESOURCES["appointment"],
                                                               "view": permissions.HEALTH_AND_SAFETY})
    from ohms_core import permissions as policy

    monkeypatch.setitem(policy.POLICY, "appointment", permissions.RESOURCES["appointment"])
    with acting_as(organization=org_a):
        appointment = Appointment.objects.create(organization=org_a, worker=patient, provider=doctor, start=NINE,
                                                 end=NINE + timedelta(minutes=30))
    client = testing.token_client(testing.make_member(org_a, "safety_manager"), org_a)
    options = client.get(f"{URL}{appointment.pk}/transitions/").json()
    assert options and not any(o["allowed"] for o in options)
    response = client.post(f"{URL}{appointment.pk}/transitions/confirm/", {}, format="json")
    assert response.status_code == 403 and response.json()["errors"]["reasons"][0]["code"] == "role"


@pytest.mark.django_db
def test_filters_soft_delete_and_stale_update(doctor_client, doctor, patient, org_a):
    other = testing.make_worker(org_a)
    first = _book(doctor_client, patient, doctor)
    _book(doctor_client, other, doctor, start=NINE + timedelta(days=1))
    assert doctor_client.get(f"{URL}?worker={patient.pk}").json()["count"] == 1
    assert doctor_client.get(f"{URL}?provider={doctor.pk}").json()["count"] == 2
    assert doctor_client.get(f"{URL}?date_from=2026-12-08&date_to=2026-12-08").json()["count"] == 1
    assert doctor_client.get(f"{URL}?status=scheduled&status=confirmed").json()["count"] == 2
    assert doctor_client.get(f"{URL}?status=completed").json()["count"] == 0
    assert doctor_client.get(f"{URL}?date_from=notadate").status_code == 400
    assert doctor_client.put(f"{URL}{first['id']}/", {**_body(patient, doctor), "version": 7},
                             format="json").status_code == 409
    assert doctor_client.delete(f"{URL}{first['id']}/").status_code == 204
    assert Appointment.all_objects.get(pk=first["id"]).is_deleted
    assert doctor_client.get(f"{URL}{first['id']}/").status_code == 404
    _book(doctor_client, other, doctor)  # a deleted appointment frees its slot


@pytest.mark.django_db
def test_other_organization_is_404_on_every_appointment_endpoint(doctor_client, doctor, patient, org_b):
    appointment = _book(doctor_client, patient, doctor)
    charge = doctor_client.post(TX, {"transaction_type": "charge", "amount": "10", "appointment": appointment["id"]},
                                format="json").json()
    client_b = testing.token_client(testing.make_member(org_b, "medical_officer"), org_b)
    url = f"{URL}{appointment['id']}/"
    assert client_b.get(url).status_code == 404
    assert client_b.patch(url, {"location": "x"}, format="json").status_code == 404
    assert client_b.delete(url).status_code == 404
    assert client_b.get(f"{url}transitions/").status_code == 404
    assert client_b.post(f"{url}transitions/confirm/", {}, format="json").status_code == 404
    assert client_b.post(f"{url}restore/").status_code == 404
    assert client_b.get(f"{TX}{charge['id']}/").status_code == 404
    assert client_b.get(URL).json()["count"] == 0 and client_b.get(TX).json()["count"] == 0
    assert client_b.post(TX, {"transaction_type": "charge", "amount": "1", "appointment": appointment["id"]},
                         format="json").status_code == 400
    assert Appointment.objects.get().status == "scheduled"


@pytest.mark.django_db
def test_transactions(doctor_client, doctor, patient, org_a):
    appointment = _book(doctor_client, patient, doctor)
    response = doctor_client.post(TX, {"transaction_type": "charge", "amount": "40.00", "tax_amount": "6.40",
                                       "currency": "USD", "appointment": appointment["id"],
                                       "invoice_number": "F-2026-001", "receipt_required": True}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["worker"] == str(patient.pk) and Decimal(body["total"]) == Decimal("46.40")
    default = doctor_client.post(TX, {"transaction_type": "payment", "amount": "40", "worker": str(patient.pk),
                                      "payment_method": "cash"}, format="json").json()
    assert default["currency"] == "EUR"
    bad = doctor_client.post(TX, {"transaction_type": "gift", "amount": "-5", "currency": "GBP",
                                  "tax_amount": "-1"}, format="json")
    assert bad.status_code == 400
    assert {"transaction_type", "amount", "currency", "tax_amount"} <= set(bad.json()["errors"])
    mismatch = doctor_client.post(TX, {"transaction_type": "charge", "amount": "1", "appointment": appointment["id"],
                                       "worker": str(testing.make_worker(org_a).pk)}, format="json")
    assert mismatch.status_code == 400 and "appointment" in mismatch.json()["errors"]
    receipt = doctor_client.post(TX, {"transaction_type": "payment", "amount": "1", "receipt_issued": True},
                                 format="json")
    assert receipt.status_code == 400 and "receipt_number" in receipt.json()["errors"]
    assert doctor_client.get(f"{TX}?currency=USD").json()["count"] == 1
    assert doctor_client.get(f"{TX}?worker={patient.pk}").json()["count"] == 2
    assert doctor_client.get(f"{TX}?search=F-2026").json()["count"] == 1
    tx = Transaction.objects.get(invoice_number="F-2026-001")
    assert doctor_client.patch(f"{TX}{tx.pk}/", {"amount": "1"}, format="json").status_code in (403, 405)
    assert doctor_client.delete(f"{TX}{tx.pk}/").status_code in (403, 405)


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_rows(doctor_client, doctor, patient, org_a, django_assert_max_num_queries):
    nurse = testing.make_member(org_a, "medical_officer")
    first = _book(doctor_client, patient, doctor, staff=[nurse.pk])
    doctor_client.post(TX, {"transaction_type": "charge", "amount": "5", "appointment": first["id"]}, format="json")
    counts = {}
    for url in (URL, TX):
        with CaptureQueriesContext(connection) as few:
            assert doctor_client.get(url).status_code == 200
        counts[url] = len(few.captured_queries)
    for hour in range(1, 9):
        row = _book(doctor_client, testing.make_worker(org_a), doctor, start=NINE + timedelta(hours=hour),
                    staff=[nurse.pk])
        doctor_client.post(TX, {"transaction_type": "charge", "amount": "5", "appointment": row["id"]}, format="json")
    for url in (URL, TX):
        with django_assert_max_num_queries(counts[url]):
            assert doctor_client.get(url).status_code == 200


@pytest.mark.django_db
def test_reminders_once_for_the_next_24_hours(org_a, doctor, patient):
    from django.utils import timezone

    from ohms_core.jobs import get_job, run_job
    from ohms_core.models import Event

    now = timezone.now()

    def book(hours, **kw):
        with acting_as(organization=org_a):
            return Appointment.objects.create(organization=org_a, worker=patient, provider=doctor,
                                              start=now + timedelta(hours=hours),
                                              end=now + timedelta(hours=hours, minutes=30), **kw)

    soon, tomorrow_evening, cancelled, reminded = book(3), book(30), book(5), book(6, reminder_sent_at=now)
    Appointment.objects.filter(pk=cancelled.pk).update(status="cancelled")
    assert get_job("health_appointment_reminders").addon == "ohms_health"
    run = run_job("health_appointment_reminders")
    assert run.success and run.items_processed == 1
    assert Appointment.objects.get(pk=soon.pk).reminder_sent_at is not None
    assert Appointment.objects.get(pk=tomorrow_evening.pk).reminder_sent_at is None
    assert Appointment.objects.get(pk=reminded.pk).version == reminded.version  # already reminded: untouched
    events = Event.objects.filter(type="health.appointment.reminder")
    assert [e.object_id for e in events] == [str(soon.pk)]
    assert run_job("health_appointment_reminders").items_processed == 0  # idempotent
    assert Event.objects.filter(type="health.appointment.reminder").count() == 1


@pytest.mark.django_db
def test_a_transition_emits_its_event(doctor_client, doctor, patient):
    from ohms_core.models import Event

    appointment = _book(doctor_client, patient, doctor)
    doctor_client.post(f"{URL}{appointment['id']}/transitions/confirm/", {}, format="json")
    event = Event.objects.get(type="health.appointment.confirmed")
    assert event.object_id == appointment["id"] and event.data["to"] == "confirmed"
