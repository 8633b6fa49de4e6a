"""Gas readings (limits, auto-suspension, alerts, append-only) and permit extensions (T10)."""
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ohms_core.models import Notification, TransitionLog

from ..gates import gas_value_is_safe
from ..models import GasReading, Permit, PermitAudit, PermitExtension, PermitType
from .factories import PtwWorld
from .helpers import api_gas, purl, set_status

pytestmark = pytest.mark.django_db
GAS_URL = "/api/v1/ptw/gas-readings/"


# --- limits -----------------------------------------------------------------------------
@pytest.mark.parametrize("gas, value, safe", [
    ("O2", "19.4", False), ("O2", "19.5", True), ("O2", "20.9", True), ("O2", "23.5", True), ("O2", "23.6", False),
    ("LEL", "0", True), ("LEL", "9.99", True), ("LEL", "10", False), ("LEL", "10.5", False),
    ("H2S", "9.9", True), ("H2S", "10", False),
    ("CO", "34.9", True), ("CO", "35", False), ("CO", "0", True),
])
def test_default_limits(gas, value, safe):
    permit_type = PermitType(name="x", code="x")  # the default limits of a new type
    assert gas_value_is_safe(permit_type, gas, value) is safe
    assert gas_value_is_safe(permit_type, gas, Decimal(value)) is safe


def test_reading_safe_flag_and_unit_from_the_api(w):
    pid = w.create_permit()["id"]
    r = api_gas(w, pid, "LEL", "10")
    assert r.status_code == 201, r.json()
    assert r.json()["safe"] is False and r.json()["unit"] == "%LEL"
    r = api_gas(w, pid, "O2", "19.5")
    assert r.json()["safe"] is True and r.json()["unit"] == "%"
    assert r.json()["tested_by"] == w.issuer.pk
    # "safe" and "tested_by" cannot be forged by the client.
    r = w.client(w.issuer).post(GAS_URL, {"permit": pid, "gas": "CO", "value": "80", "safe": True, "tested_by": w.admin.pk,
                                          "tested_at": timezone.now().isoformat()}, format="json")
    assert r.json()["safe"] is False and r.json()["tested_by"] == w.issuer.pk


def test_per_type_override_of_gas_limits(w):
    limits = {**w.permit_type.gas_limits, "LEL": {"max": 5, "unit": "%LEL", "exclusive_max": True},
              "CO": {"max": 25, "unit": "ppm"}}
    PermitType.objects.filter(pk=w.permit_type.pk).update(gas_limits=limits)
    permit_type = PermitType.objects.get(pk=w.permit_type.pk)
    assert gas_value_is_safe(permit_type, "LEL", "4.9") is True
    assert gas_value_is_safe(permit_type, "LEL", "5") is False
    assert gas_value_is_safe(permit_type, "CO", "25") is True  # inclusive without exclusive_max
    assert gas_value_is_safe(permit_type, "CO", "25.1") is False
    pid = w.create_permit()["id"]
    assert api_gas(w, pid, "LEL", "6").json()["safe"] is False
    assert api_gas(w, pid, "LEL", "4").json()["safe"] is True

    # A type whose limits omit a gas falls back to the default for it.
    PermitType.objects.filter(pk=w.permit_type.pk).update(gas_limits={"LEL": {"max": 5, "exclusive_max": True}})
    permit_type.refresh_from_db()
    assert gas_value_is_safe(permit_type, "H2S", "9") is True and gas_value_is_safe(permit_type, "H2S", "10") is False
    assert gas_value_is_safe(permit_type, "O2", "19") is False


# --- unsafe reading on an active permit --------------------------------------------------
def _gas_notifications(user):
    return Notification.objects.filter(user=user, event_type="ptw.permit.gas_unsafe")


def test_unsafe_reading_on_an_active_permit_suspends_and_alerts(w, django_capture_on_commit_callbacks):
    pid = w.create_permit()["id"]
    set_status(pid, "active")
    with django_capture_on_commit_callbacks(execute=True):
        r = api_gas(w, pid, "H2S", "15", user=w.requester)
    assert r.status_code == 201, r.json()
    assert r.json()["safe"] is False

    permit = Permit.objects.get(pk=pid)
    assert permit.status == "suspended"
    assert "H2S" in permit.suspension_reason and "15" in permit.suspension_reason
    log = TransitionLog.objects.get(object_id=pid, transition="suspend")
    assert (log.from_state, log.to_state) == ("active", "suspended")
    assert log.comment == permit.suspension_reason
    assert PermitAudit.objects.filter(permit_id=pid, action="suspend").count() == 1

    for user in (w.issuer, w.area):
        notes = list(_gas_notifications(user))
        assert len(notes) == 1, user
        assert "H2S" in notes[0].title and "15" in notes[0].title and permit.permit_number in notes[0].title
    assert not _gas_notifications(w.requester).exists()

    # A second unsafe reading the same day alerts again (safety alerts are per event);
    # the permit is already suspended, so no second suspension.
    with django_capture_on_commit_callbacks(execute=True):
        r = api_gas(w, pid, "CO", "60")
    assert r.status_code == 201
    assert _gas_notifications(w.issuer).count() == 2 and _gas_notifications(w.area).count() == 2
    assert TransitionLog.objects.filter(object_id=pid, transition="suspend").count() == 1
    assert Permit.objects.get(pk=pid).status == "suspended"


def test_safe_reading_on_an_active_permit_changes_nothing(w, django_capture_on_commit_callbacks):
    pid = w.create_permit()["id"]
    set_status(pid, "active")
    with django_capture_on_commit_callbacks(execute=True):
        assert api_gas(w, pid, "O2", "20.9").status_code == 201
    assert Permit.objects.get(pk=pid).status == "active"
    assert not Notification.objects.filter(event_type="ptw.permit.gas_unsafe").exists()


@pytest.mark.parametrize("status", ["draft", "pending_approval", "approved"])
def test_unsafe_reading_on_a_non_active_permit_keeps_the_status(w, status, django_capture_on_commit_callbacks):
    pid = w.create_permit()["id"]
    set_status(pid, status)
    with django_capture_on_commit_callbacks(execute=True):
        r = api_gas(w, pid, "LEL", "25")
    assert r.status_code == 201 and r.json()["safe"] is False
    permit = Permit.objects.get(pk=pid)
    assert permit.status == status and permit.suspension_reason == ""
    assert not TransitionLog.objects.filter(object_id=pid).exists()
    assert _gas_notifications(w.issuer).count() == 1  # the alert still goes out


def test_readings_cannot_be_added_to_a_closed_permit(w):
    pid = w.create_permit()["id"]
    set_status(pid, "completed")
    r = api_gas(w, pid, "O2", "20.9")
    assert r.status_code == 400 and r.json()["code"] == "permit_closed"
    assert not GasReading.objects.filter(permit_id=pid).exists()


def test_readings_are_append_only(w):
    pid = w.create_permit()["id"]
    reading_id = api_gas(w, pid, "O2", "20.9").json()["id"]
    client = w.client(w.admin)
    assert client.patch(f"{GAS_URL}{reading_id}/", {"value": "18"}, format="json").status_code == 405
    assert client.put(f"{GAS_URL}{reading_id}/", {"permit": pid, "gas": "O2", "value": "18",
                                                  "tested_at": timezone.now().isoformat()}, format="json").status_code == 405
    assert client.delete(f"{GAS_URL}{reading_id}/").status_code == 405
    reading = GasReading.all_objects.get(pk=reading_id)
    assert reading.value == Decimal("20.90") and reading.is_deleted is False
    assert client.get(f"{GAS_URL}{reading_id}/").status_code == 200


# --- extensions -------------------------------------------------------------------------
def _end(pid) -> datetime:
    return Permit.objects.get(pk=pid).planned_end_time


def _extend(w, pid, user, hours=2, reason="Travaux plus longs que prévu", new_end=None):
    new_end = new_end or _end(pid) + timedelta(hours=hours)
    return w.client(user).post(purl(pid, "extend"), {"new_end_time": new_end.isoformat(), "reason": reason}, format="json")


def test_extension_by_the_approver_is_approved_at_once(w):
    pid = w.create_permit()["id"]
    set_status(pid, "active")
    old_end = _end(pid)
    r = _extend(w, pid, w.approver)
    assert r.status_code == 201, r.json()
    assert r.json()["status"] == "approved" and r.json()["decided_by"] == w.approver.pk
    permit = Permit.objects.get(pk=pid)
    assert permit.planned_end_time == old_end + timedelta(hours=2)
    assert permit.extension_count == 1
    extension = PermitExtension.objects.get(permit_id=pid)
    assert extension.previous_end_time == old_end and extension.requested_by == w.approver
    actions = list(PermitAudit.objects.filter(permit_id=pid).values_list("action", flat=True))
    assert "extension_requested" in actions and "extension_approved" in actions


def test_extension_by_the_requester_waits_for_the_approver(w):
    pid = w.create_permit()["id"]
    set_status(pid, "approved")
    old_end = _end(pid)
    r = _extend(w, pid, w.requester, hours=1)
    assert r.status_code == 201, r.json()
    assert r.json()["status"] == "requested"
    extension_id = r.json()["id"]
    assert _end(pid) == old_end and Permit.objects.get(pk=pid).extension_count == 0

    r = w.client(w.requester).post(purl(pid, "decide_extension"), {"extension": extension_id, "decision": "approve"},
                                   format="json")
    assert r.status_code == 403
    assert PermitExtension.objects.get(pk=extension_id).status == "requested"

    r = w.client(w.approver).post(purl(pid, "decide_extension"),
                                  {"extension": extension_id, "decision": "approve", "comment": "OK"}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "approved" and r.json()["decision_comment"] == "OK"
    assert _end(pid) == old_end + timedelta(hours=1) and Permit.objects.get(pk=pid).extension_count == 1

    r = w.client(w.approver).post(purl(pid, "decide_extension"), {"extension": extension_id, "decision": "reject"},
                                  format="json")
    assert r.status_code == 400 and r.json()["code"] == "extension_decided"


def test_extension_rejected_by_the_approver_changes_nothing(w):
    pid = w.create_permit()["id"]
    set_status(pid, "active")
    old_end = _end(pid)
    extension_id = _extend(w, pid, w.requester).json()["id"]
    r = w.client(w.approver).post(purl(pid, "decide_extension"),
                                  {"extension": extension_id, "decision": "reject", "comment": "Non"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    permit = Permit.objects.get(pk=pid)
    assert permit.planned_end_time == old_end and permit.extension_count == 0


def test_extensions_are_limited_by_max_extensions(w):
    PermitType.objects.filter(pk=w.permit_type.pk).update(max_extensions=1)
    pid = w.create_permit()["id"]
    set_status(pid, "active")
    assert _extend(w, pid, w.approver, hours=1).status_code == 201
    end = _end(pid)
    r = _extend(w, pid, w.approver, hours=1)
    assert r.status_code == 400
    assert r.json()["errors"]["extensions"]["codes"] == ["extensions_exhausted"]
    assert _end(pid) == end and Permit.objects.get(pk=pid).extension_count == 1
    assert PermitExtension.objects.filter(permit_id=pid).count() == 1


def test_default_max_extensions_is_two(w):
    pid = w.create_permit()["id"]
    set_status(pid, "active")
    for _ in range(2):
        assert _extend(w, pid, w.approver, hours=0.5).status_code == 201
    r = _extend(w, pid, w.approver, hours=0.5)
    assert r.status_code == 400 and r.json()["errors"]["extensions"]["codes"] == ["extensions_exhausted"]


def test_extension_beyond_max_validity_is_refused(w):
    pid = w.create_permit()["id"]  # 8 h planned, 12 h maximum validity
    set_status(pid, "active")
    start = Permit.objects.get(pk=pid).planned_start_time
    r = _extend(w, pid, w.approver, new_end=start + timedelta(hours=12, minutes=1))
    assert r.status_code == 400
    assert r.json()["errors"]["extensions"]["codes"] == ["extension_beyond_validity"]
    assert not PermitExtension.objects.filter(permit_id=pid).exists()
    assert _extend(w, pid, w.approver, new_end=start + timedelta(hours=12)).status_code == 201


def test_extension_must_end_later_than_now_planned(w):
    pid = w.create_permit()["id"]
    set_status(pid, "active")
    for new_end in (_end(pid), _end(pid) - timedelta(hours=1)):
        r = _extend(w, pid, w.approver, new_end=new_end)
        assert r.status_code == 400
        assert r.json()["errors"]["extensions"]["codes"] == ["extension_not_later"]
    r = _extend(w, pid, w.approver, reason="")
    assert r.status_code == 400 and "reason" in r.json()["errors"]


@pytest.mark.parametrize(("status", "code"), [("draft", "invalid_state"), ("pending_approval", "invalid_state"),
                                              ("suspended", "invalid_state"), ("completed", "permit_closed")])
def test_only_approved_or_active_permits_can_be_extended(w, status, code):
    pid = w.create_permit()["id"]
    set_status(pid, status)
    r = _extend(w, pid, w.approver)
    assert r.status_code == 400 and r.json()["code"] == code
    assert not PermitExtension.objects.filter(permit_id=pid).exists()


@pytest.mark.django_db(transaction=True)
def test_decide_extension_outside_a_test_transaction():
    """The REST decision runs in autocommit like in production (no surrounding atomic)."""
    w = PtwWorld(code="TRX")
    pid = w.create_permit()["id"]
    set_status(pid, "active")
    old_end = _end(pid)
    extension_id = _extend(w, pid, w.requester).json()["id"]
    r = w.client(w.approver).post(purl(pid, "decide_extension"), {"extension": extension_id, "decision": "approve"},
                                  format="json")
    assert r.status_code == 200, r.json()
    assert _end(pid) == old_end + timedelta(hours=2)


def test_a_pending_extension_cannot_be_approved_once_the_permit_is_closed(w):
    pid = w.create_permit()["id"]
    set_status(pid, "active")
    old_end = _end(pid)
    first = _extend(w, pid, w.requester).json()["id"]
    second = _extend(w, pid, w.requester, hours=1).json()["id"]
    set_status(pid, "completed")
    r = w.client(w.approver).post(purl(pid, "decide_extension"), {"extension": first, "decision": "approve"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "invalid_state"
    assert PermitExtension.objects.get(pk=first).status == "requested" and _end(pid) == old_end
    # Rejecting is still possible (it changes nothing on the permit).
    r = w.client(w.approver).post(purl(pid, "decide_extension"), {"extension": second, "decision": "reject"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "rejected"


def test_decision_rechecks_the_limits(w):
    PermitType.objects.filter(pk=w.permit_type.pk).update(max_extensions=1)
    pid = w.create_permit()["id"]
    set_status(pid, "active")
    pending = _extend(w, pid, w.requester, hours=1).json()["id"]
    assert _extend(w, pid, w.approver, hours=2).status_code == 201  # uses the only extension
    r = w.client(w.approver).post(purl(pid, "decide_extension"), {"extension": pending, "decision": "approve"}, format="json")
    assert r.status_code == 400
    assert "extensions_exhausted" in r.json()["errors"]["extensions"]["codes"]
    assert PermitExtension.objects.get(pk=pending).status == "requested"
    assert Permit.objects.get(pk=pid).extension_count == 1
