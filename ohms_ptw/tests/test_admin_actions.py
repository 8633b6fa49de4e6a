"""The permit screen's actions (Django test client): gas, isolation, closeout, signatures,
crew, transitions. State changes through the services; blocked actions show the reason and
change nothing."""
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from ohms_core import testing

from ..models import (
    DigitalSignature,
    GasReading,
    LotoLog,
    Permit,
    PermitAudit,
    PermitCloseout,
    PermitHazard,
    PermitIsolationPoint,
    PermitWorker,
)
from .factories import PtwWorld
from .test_admin_helpers import PASSWORD, login, make_permit, make_ready, safe_readings

pytestmark = pytest.mark.django_db
BASE = "/admin/ptw/permits/"


def post(client, url, data=None):
    """POST, follow the redirect back to the permit screen, return (response, messages)."""
    response = client.post(url, data or {}, follow=True)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response, [str(m) for m in response.context["messages"]]


def screen(permit):
    return f"{BASE}inspect/{permit.pk}/"


@pytest.fixture
def w():
    return PtwWorld("SMK")


# --- gas ------------------------------------------------------------------------------
def test_gas_reading_form_records_through_the_service(w):
    permit = make_permit(w, status="pending_approval")
    client = login(w.issuer)
    response, msgs = post(client, f"{BASE}{permit.pk}/gas/", {"gas-gas": "O2", "gas-value": "20.9"})
    reading = GasReading.objects.get(permit=permit)
    assert reading.safe is True and reading.unit == "%" and reading.tested_by == w.issuer
    assert msgs == ["Reading recorded: O2 20.9 % (safe)."]
    assert response.redirect_chain[-1][0] == screen(permit) + "#tab-gas"
    assert PermitAudit.objects.filter(permit=permit, action="gas_reading").count() == 1
    body = response.content.decode()
    assert "ohms-badge--ptw-ok" in body and "Safe" in body


def test_unsafe_reading_on_active_permit_suspends_it(w):
    permit = make_permit(w, status="active")
    _response, msgs = post(login(w.issuer), f"{BASE}{permit.pk}/gas/", {"gas-gas": "H2S", "gas-value": "25"})
    assert msgs[0].startswith("UNSAFE reading recorded: H2S 25") and "suspended" in msgs[0]
    permit.refresh_from_db()
    assert permit.status == "suspended"
    assert GasReading.objects.filter(permit=permit, gas="H2S", safe=False).count() == 1


def test_invalid_gas_form_changes_nothing(w):
    permit = make_permit(w, status="pending_approval")
    _response, msgs = post(login(w.issuer), f"{BASE}{permit.pk}/gas/", {"gas-gas": "O2", "gas-value": "beaucoup"})
    assert msgs and "Value" in msgs[0]
    assert not GasReading.objects.filter(permit=permit).exists()


def test_auditor_may_not_add_readings(w):
    auditor = testing.make_member(w.org, "auditor")
    permit = make_permit(w, status="pending_approval")
    _response, msgs = post(login(auditor), f"{BASE}{permit.pk}/gas/", {"gas-gas": "O2", "gas-value": "20.9"})
    assert msgs and "may not" in msgs[0]
    assert not GasReading.objects.filter(permit=permit).exists()


# --- isolation ------------------------------------------------------------------------
def test_isolation_assign_isolate_verify_deisolate(w):
    permit = make_permit(w, status="pending_approval")
    client = login(w.issuer)
    body = client.get(screen(permit)).content.decode()
    assert "MCC-01 - breaker (electrical)" in body  # library option label
    response, msgs = post(client, f"{BASE}{permit.pk}/isolation/assign/",
                          {"assign-library_point": str(w.point.pk), "assign-required": "on"})
    assert msgs == ["Isolation point MCC-01 assigned."]
    assert response.redirect_chain[-1][0].endswith("#tab-isolation")
    point = PermitIsolationPoint.objects.get(permit=permit)
    assert point.status == "assigned" and point.required

    _r, msgs = post(client, f"{BASE}{permit.pk}/isolation/{point.pk}/isolate/",
                    {"lock_applied": "on", "lock_count": "2", "lock_ids": "L-101, L-102"})
    point.refresh_from_db()
    assert msgs == ["Point MCC-01 isolated."]
    assert point.status == "isolated" and point.lock_count == 2 and point.lock_ids == ["L-101", "L-102"]
    assert point.isolated_by == w.issuer

    _r, msgs = post(client, f"{BASE}{permit.pk}/isolation/{point.pk}/verify/", {"verification_notes": "Essai négatif"})
    point.refresh_from_db()
    assert point.status == "verified" and point.verification_notes == "Essai négatif" and point.verified_by == w.issuer

    response = client.get(screen(permit))
    body = response.content.decode()
    assert 'data-count="verified">1<' in body and 'data-count="pending">0<' in body

    _r, msgs = post(client, f"{BASE}{permit.pk}/isolation/{point.pk}/deisolate/", {"deisolated_notes": "Cadenas retirés"})
    point.refresh_from_db()
    assert point.status == "deisolated" and point.deisolated_notes == "Cadenas retirés"
    assert list(LotoLog.objects.filter(permit=permit).order_by("timestamp").values_list("action", flat=True)) == ["active", "removed"]


def test_custom_point_and_blocked_isolation_actions(w):
    permit = make_permit(w, status="pending_approval")
    _r, msgs = post(login(w.requester), f"{BASE}{permit.pk}/isolation/assign/",
                    {"custom-custom_point_name": "Vanne manuelle V-7", "custom-custom_point_details": "DN50",
                     "custom-required": "on"})
    assert msgs == ["Isolation point Vanne manuelle V-7 assigned."]
    point = PermitIsolationPoint.objects.get(permit=permit)
    assert point.point is None and point.custom_point_details == "DN50"

    # The requester may assign but not isolate: the service's reason is shown, nothing changes.
    _r, msgs = post(login(w.requester), f"{BASE}{permit.pk}/isolation/{point.pk}/isolate/", {"lock_count": "1"})
    assert msgs == ["Only the issuer, the area in-charge, the verifier or a safety manager can isolate, verify or de-isolate."]
    point.refresh_from_db()
    assert point.status == "assigned"

    # Out of order: verifying an assigned point is refused by the point's state machine.
    _r, msgs = post(login(w.issuer), f"{BASE}{permit.pk}/isolation/{point.pk}/verify/", {})
    assert msgs and "not possible from the current state" in msgs[0]
    point.refresh_from_db()
    assert point.status == "assigned"

    # Lock ids must match the lock count (service validation).
    _r, msgs = post(login(w.issuer), f"{BASE}{permit.pk}/isolation/{point.pk}/isolate/", {"lock_count": "2", "lock_ids": "L-1"})
    assert msgs == ["Give one lock id per lock (2)."]
    point.refresh_from_db()
    assert point.status == "assigned"


def test_library_point_of_another_project_is_refused(w):
    from ..models import IsolationPointLibrary

    elsewhere = IsolationPointLibrary.objects.create(organization=w.org, project=w.other_project, point_code="MINE-9",
                                                     point_type="valve", energy_type="hydraulic")
    permit = make_permit(w, status="pending_approval")
    client = login(w.issuer)
    assert "MINE-9" not in client.get(screen(permit)).content.decode()
    _r, msgs = post(client, f"{BASE}{permit.pk}/isolation/assign/", {"assign-library_point": str(elsewhere.pk)})
    assert msgs == ["This point is not available for the permit's project."]
    assert not PermitIsolationPoint.objects.filter(permit=permit).exists()


def test_structured_isolation_off_shows_the_notice():
    w = PtwWorld("LEG", requires_structured_isolation=False, requires_deisolation_on_closeout=False)
    permit = make_permit(w, isolation_details="Disjoncteur Q1 cadenassé")
    body = login(w.admin).get(screen(permit)).content.decode()
    assert "Structured isolation not enabled for this permit type." in body
    assert "Disjoncteur Q1 cadenassé" in body
    assert 'data-ptw-form="assign"' not in body


# --- closeout -------------------------------------------------------------------------
def test_closeout_save_progress_then_blocked_then_complete(w):
    permit = make_permit(w, status="active")
    point = PermitIsolationPoint.objects.get(permit=permit)
    client = login(w.issuer)
    body = client.get(screen(permit)).content.decode()
    assert body.count("ohms-badge--ptw-required") == 2 and "Outils retirés" in body

    _r, msgs = post(client, f"{BASE}{permit.pk}/closeout/",
                    {"closeout_action": "save", "item-tools_removed": "on", "remarks": "En cours"})
    assert msgs == ["Closeout progress saved."]
    closeout = PermitCloseout.objects.get(permit=permit)
    assert closeout.is_done("tools_removed") and not closeout.is_done("area_clean") and closeout.remarks == "En cours"

    # Completing with an item missing (and the point still isolated): refused with the reasons.
    _r, msgs = post(client, f"{BASE}{permit.pk}/closeout/",
                    {"closeout_action": "complete", "item-tools_removed": "on", "remarks": "En cours"})
    assert len(msgs) == 1 and "Zone nettoyée" in msgs[0] and "MCC-01" in msgs[0]
    closeout.refresh_from_db()
    assert not closeout.completed

    # The permit's Complete button explains the same gates.
    response = client.get(screen(permit))
    body = response.content.decode()
    assert 'data-code="closeout_incomplete"' in body and 'data-code="deisolation_required"' in body

    post(client, f"{BASE}{permit.pk}/isolation/{point.pk}/deisolate/", {"deisolated_notes": "OK"})
    response, msgs = post(client, f"{BASE}{permit.pk}/closeout/",
                          {"closeout_action": "complete", "item-tools_removed": "on", "item-area_clean": "on",
                           "remarks": "Zone propre"})
    assert msgs == ["Closeout completed."]
    closeout.refresh_from_db()
    assert closeout.completed and closeout.completed_by == w.issuer and closeout.remarks == "Zone propre"
    body = response.content.decode()
    assert "data-ptw-closeout-done" in body and 'data-ptw-form="closeout"' not in body  # read-only now

    # Read-only: a later save is refused by the service.
    _r, msgs = post(client, f"{BASE}{permit.pk}/closeout/", {"closeout_action": "save"})
    assert msgs == ["The closeout is completed and read-only."]


# --- transitions (core panel) ---------------------------------------------------------
def _transition_url(permit, name):
    ct = ContentType.objects.get_for_model(Permit)
    return f"/admin/ohms/transition/{ct.pk}/{permit.pk}/{name}/"


def test_blocked_approve_shows_reasons_and_changes_nothing(w):
    permit = make_permit(w, status="pending_approval")
    client = login(w.approver)
    body = client.get(screen(permit)).content.decode()
    assert 'data-ptw-block="approve"' in body and 'data-code="gas_readings_missing"' in body
    response = client.post(_transition_url(permit, "approve"), {"next": screen(permit)}, follow=True)
    msgs = [str(m) for m in response.context["messages"]]
    assert len(msgs) == 1 and "Gas readings missing" in msgs[0] and "isolation point" in msgs[0]
    permit.refresh_from_db()
    assert permit.status == "pending_approval"

    make_ready(w, permit)
    response = client.post(_transition_url(permit, "approve"), {"next": screen(permit)}, follow=True)
    permit.refresh_from_db()
    assert permit.status == "approved"
    assert 'data-ptw-status>Approved<' in response.content.decode()


def test_role_reason_is_shown_on_the_disabled_button(w):
    permit = make_permit(w, status="pending_approval")
    safe_readings(w, permit)
    body = login(w.verifier).get(screen(permit)).content.decode()
    assert "Only the assigned approver can approve." in body
    response = login(w.verifier).post(_transition_url(permit, "approve"), {"next": screen(permit)}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Only the assigned approver can approve."]
    permit.refresh_from_db()
    assert permit.status == "pending_approval"


def test_initiate_workflow_form_assigns_people(w):
    permit = make_permit(w, verifier=None, approver=None)
    client = login(w.requester)
    assert 'data-ptw-form="initiate"' in client.get(screen(permit)).content.decode()
    _r, msgs = post(client, f"{BASE}{permit.pk}/workflow/initiate/",
                    {"initiate-verifier": str(w.verifier.pk), "initiate-approver": str(w.approver.pk)})
    assert msgs == ["Sent for verification."]
    permit.refresh_from_db()
    assert permit.status == "pending_verification" and permit.verifier == w.verifier and permit.approver == w.approver


def test_initiate_without_people_is_blocked(w):
    permit = make_permit(w, verifier=None, approver=None)
    _r, msgs = post(login(w.requester), f"{BASE}{permit.pk}/workflow/initiate/", {})
    assert msgs and "Assign a verifier and an approver first." in msgs[0]
    permit.refresh_from_db()
    assert permit.status == "draft"


# --- signatures, crew, hazards, extensions --------------------------------------------
def test_sign_asks_for_the_password(w):
    permit = make_permit(w, status="pending_approval")
    client = login(w.approver)
    _r, msgs = post(client, f"{BASE}{permit.pk}/sign/", {"sign-meaning": "approver", "sign-password": "wrong"})
    assert msgs == ["Wrong password: the signature was not recorded."]
    assert not DigitalSignature.objects.filter(permit=permit).exists()
    response, msgs = post(client, f"{BASE}{permit.pk}/sign/", {"sign-meaning": "approver", "sign-password": PASSWORD})
    assert msgs == ["Signed as Approver."]
    signature = DigitalSignature.objects.get(permit=permit)
    assert signature.signatory == w.approver and len(signature.content_hash) == 64
    assert response.redirect_chain[-1][0].endswith("#tab-signatures")
    assert PASSWORD not in response.content.decode()


def test_worker_and_hazard_forms(w):
    worker = testing.make_worker(w.org, employee_number="SMK-00042")
    permit = make_permit(w)
    client = login(w.requester)
    _r, msgs = post(client, f"{BASE}{permit.pk}/workers/", {"worker-worker": str(worker.pk), "worker-role": "Soudeur",
                                                           "worker-briefed": "on"})
    assert msgs == ["Worker added to the crew."]
    assert PermitWorker.objects.get(permit=permit).role == "Soudeur"
    _r, msgs = post(client, f"{BASE}{permit.pk}/hazards/", {"hazard-hazard": "Atmosphère appauvrie en O2",
                                                           "hazard-control_measures": "Ventilation", "hazard-risk_level": "high"})
    assert msgs == ["Hazard added."]
    assert PermitHazard.objects.get(permit=permit).risk_level == "high"
    body = client.get(screen(permit)).content.decode()
    assert "SMK-00042" in body and "Atmosphère appauvrie en O2" in body


def test_extension_within_limits_and_refused_beyond(w):
    permit = make_permit(w, status="active")
    client = login(w.approver)
    new_end = timezone.localtime(permit.planned_end_time + timedelta(hours=2))
    _r, msgs = post(client, f"{BASE}{permit.pk}/extend/", {"extend-new_end_time": new_end.strftime("%Y-%m-%d %H:%M"),
                                                          "extend-reason": "Retard livraison pièces"})
    assert msgs == ["Extension granted."]
    permit.refresh_from_db()
    assert permit.extension_count == 1
    too_late = timezone.localtime(permit.planned_end_time + timedelta(hours=30))
    _r, msgs = post(client, f"{BASE}{permit.pk}/extend/", {"extend-new_end_time": too_late.strftime("%Y-%m-%d %H:%M"),
                                                          "extend-reason": "Encore"})
    assert msgs and msgs[0].startswith("The extension is refused.")
    permit.refresh_from_db()
    assert permit.extension_count == 1


# --- closed permits -------------------------------------------------------------------
def test_closed_permit_disables_actions(w):
    permit = make_permit(w, status="pending_approval")
    client = login(w.admin)
    client.post(_transition_url(permit, "cancel"), {"ohms_transition_comment": "Travaux annulés", "next": screen(permit)})
    permit.refresh_from_db()
    assert permit.status == "cancelled"
    body = client.get(screen(permit)).content.decode()
    assert "data-ptw-closed" in body
    for form in ("gas", "assign", "custom-point", "hazard", "worker"):
        assert f'data-ptw-form="{form}"' not in body, form
    # The server stays authoritative.
    _r, msgs = post(client, f"{BASE}{permit.pk}/gas/", {"gas-gas": "O2", "gas-value": "20.9"})
    assert msgs == ["The permit is Cancelled: it can no longer change."]
    _r, msgs = post(client, f"{BASE}{permit.pk}/isolation/assign/", {"custom-custom_point_name": "V-1"})
    assert msgs == ["The permit is Cancelled: it can no longer change."]
    assert not GasReading.objects.filter(permit=permit).exists()
    assert not PermitIsolationPoint.objects.filter(permit=permit).exists()
