"""Admin screens of PPE and appointments: the compliance screen (rates vs target, expiring
items, bulk check), the check log, appointment forms sharing the double-booking rule, the
day agenda, transactions; roles and query counts."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ohms_core import testing

from ..models import Appointment, PPEComplianceRecord, Transaction
from .factories import ppe_item, ppe_record

COMPLIANCE = "/admin/health/ppe-compliance/"
DAY = "/admin/health/appointments-day/"


def _login(user):
    client = Client()
    assert client.login(username=user.username, password="pass-1234-word")
    return client


@pytest.fixture
def worker_a(org_a):
    return testing.make_worker(org_a)


@pytest.mark.django_db
def test_compliance_screen_rates_expiring_and_bulk_check(org_a, admin_a, worker_a):
    soon = ppe_item(worker_a, serial_number="EXP-SOON", expiry_date=timezone.localdate() + timedelta(days=5))
    past = ppe_item(worker_a, serial_number="EXP-PAST", expiry_date=timezone.localdate() - timedelta(days=5))
    ppe_item(worker_a, serial_number="FAR-AWAY", expiry_date=timezone.localdate() + timedelta(days=400))
    for status in ("compliant", "compliant", "damaged"):
        ppe_record(soon, status)
    client = _login(admin_a)
    html = client.get(COMPLIANCE).content.decode()
    assert worker_a.enterprise.name in html and "66.67 %" in html
    assert "EXP-SOON" in html and "EXP-PAST" in html and "FAR-AWAY" not in html
    response = client.post(COMPLIANCE, {"items": [str(soon.pk), str(past.pk)], "check_type": "expiry"})
    assert response.status_code == 302
    statuses = dict(PPEComplianceRecord.objects.filter(check_type="expiry").values_list("ppe_item_id", "status"))
    assert statuses == {soon.pk: "compliant", past.pk: "expired"}
    theirs = ppe_item(testing.make_worker(testing.make_organization()))
    refused = client.post(COMPLIANCE, {"items": [str(theirs.pk)], "check_type": "routine"})
    assert refused.status_code == 200 and not PPEComplianceRecord.objects.filter(ppe_item=theirs).exists()


@pytest.mark.django_db
def test_compliance_screen_queries_do_not_grow(org_a, admin_a, worker_a, django_assert_max_num_queries):
    ppe_record(ppe_item(worker_a, expiry_date=timezone.localdate()), "lost")
    client = _login(admin_a)
    with CaptureQueriesContext(connection) as few:
        assert client.get(COMPLIANCE).status_code == 200
    for _ in range(8):
        ppe_record(ppe_item(testing.make_worker(org_a), expiry_date=timezone.localdate()), "damaged")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(COMPLIANCE).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "allowed"), [("safety_manager", True), ("medical_officer", True),
                                               ("auditor", False), ("worker", False)])
def test_compliance_screen_per_role(org_a, worker_a, role, allowed):
    item = ppe_item(worker_a)
    client = _login(testing.make_member(org_a, role))
    assert (client.get(COMPLIANCE).status_code == 200) is allowed
    client.post(COMPLIANCE, {"items": [str(item.pk)], "check_type": "routine"})
    assert PPEComplianceRecord.objects.exists() is allowed


@pytest.mark.django_db
def test_check_log_add_through_the_service(org_a, admin_a, worker_a):
    item = ppe_item(worker_a, condition="good")
    client = _login(admin_a)
    assert client.get("/admin/health/ppe-checks/").status_code == 200
    response = client.post("/admin/health/ppe-checks/new/", {
        "ppe_item": str(item.pk), "check_type": "damage", "status": "damaged",
        "checked_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"), "notes": "Fissure", "action_taken": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    record = PPEComplianceRecord.objects.get()
    item.refresh_from_db()
    assert record.worker == worker_a and record.checked_by == admin_a and item.condition == "damaged"
    future = client.post("/admin/health/ppe-checks/new/", {
        "ppe_item": str(item.pk), "check_type": "routine", "status": "compliant",
        "checked_at": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")})
    assert future.status_code == 200 and "cannot be in the future" in future.content.decode()
    assert PPEComplianceRecord.objects.count() == 1


def _appointment_form(worker, provider, start, **kw):
    local = timezone.localtime(start)
    end = local + timedelta(minutes=30)
    return {"worker": str(worker.pk), "appointment_type": "consultation", "exam_type": "",
            "start": local.strftime("%Y-%m-%d %H:%M"), "end": end.strftime("%Y-%m-%d %H:%M"),
            "timezone": "Africa/Lubumbashi", "provider": provider.pk, "location": "", "equipment_requirements": "",
            "preparation_notes": "", "cost_estimate": "", "currency": "EUR", "billing_codes": "[]",
            "insurance_authorization": "", **kw}


@pytest.mark.django_db
def test_appointment_admin_shares_the_double_booking_rule_and_the_agenda(org_a, admin_a, worker_a):
    doctor = testing.make_member(org_a, "medical_officer")
    start = timezone.make_aware(timezone.datetime(2026, 12, 7, 9, 0))
    client = _login(admin_a)
    assert client.get("/admin/health/appointments/new/").status_code == 200
    first = client.post("/admin/health/appointments/new/", _appointment_form(worker_a, doctor, start))
    assert first.status_code == 302, first.content.decode()[:3000]
    clash = client.post("/admin/health/appointments/new/",
                        _appointment_form(worker_a, doctor, start + timedelta(minutes=10)))
    assert clash.status_code == 200 and "already has an appointment" in clash.content.decode()
    assert Appointment.objects.count() == 1
    appointment = Appointment.objects.get()
    edit = client.get(f"/admin/health/appointments/edit/{appointment.pk}/")
    assert edit.status_code == 200 and "Confirm" in edit.content.decode()
    day = client.get(DAY, {"date": "2026-12-07"}).content.decode()
    assert worker_a.employee_number in day and "09:00" in day
    assert worker_a.employee_number not in client.get(DAY, {"date": "2026-12-08"}).content.decode()
    outsider = testing.make_member(testing.make_organization(), "medical_officer")
    foreign = client.post("/admin/health/appointments/new/",
                          _appointment_form(worker_a, outsider, start + timedelta(hours=2)))
    assert foreign.status_code == 200 and Appointment.objects.count() == 1


@pytest.mark.django_db
def test_agenda_queries_do_not_grow(org_a, admin_a, django_assert_max_num_queries):
    doctor = testing.make_member(org_a, "medical_officer")
    start = timezone.make_aware(timezone.datetime(2026, 12, 7, 8, 0))

    def book(hour):
        Appointment.objects.create(organization=org_a, worker=testing.make_worker(org_a), provider=doctor,
                                   start=start + timedelta(hours=hour), end=start + timedelta(hours=hour, minutes=30))

    book(0)
    client = _login(admin_a)
    with CaptureQueriesContext(connection) as few:
        assert client.get(DAY, {"date": "2026-12-07"}).status_code == 200
    for hour in range(1, 9):
        book(hour)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(DAY, {"date": "2026-12-07"}).status_code == 200


@pytest.mark.django_db
def test_agenda_and_transactions_are_for_medical_roles(org_a, admin_a, worker_a):
    safety = _login(testing.make_member(org_a, "safety_manager"))
    assert safety.get(DAY).status_code in (302, 403)
    assert safety.get("/admin/health/transactions/").status_code in (302, 403)
    client = _login(admin_a)
    response = client.post("/admin/health/transactions/new/", {
        "transaction_type": "charge", "payment_method": "cash", "amount": "30.00", "tax_amount": "0",
        "currency": "CDF", "worker": str(worker_a.pk), "invoice_number": "F-1", "description": "",
        "receipt_number": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Transaction.objects.get().currency == "CDF"
    assert "F-1" in client.get("/admin/health/transactions/").content.decode()
