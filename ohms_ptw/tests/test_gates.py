"""SPEC 2.3 gates: each gate blocks its transition and passes once satisfied, and every
path (workflow endpoint, update_status, the core transitions endpoint, the generic admin
transition URL) hits the same gates. The gates themselves are also tested on in-memory objects."""
from datetime import timedelta

import pytest
from django.utils import timezone

from ohms_core import testing
from ohms_core.workflows import Reason

from .. import gates
from ..models import PermitType, PermitWorker
from .factories import PtwWorld
from .helpers import api_gas, approve, orm_gas, purl, set_status, status_of, update_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def gasw(db):
    """Gas testing on; no structured isolation, no de-isolation."""
    return PtwWorld(code="GAS", requires_structured_isolation=False, requires_deisolation_on_closeout=False)


def _pending(w, **overrides):
    pid = w.create_permit(**overrides)["id"]
    set_status(pid, "pending_approval")
    return pid


def _approved(w, **overrides):
    pid = w.create_permit(**overrides)["id"]
    set_status(pid, "approved")
    return pid


def _patch(w, pid, **data):
    r = w.client(w.requester).patch(purl(pid), data, format="json")
    assert r.status_code == 200, r.json()
    return r


# --- paths: the same gate through every endpoint ----------------------------------------
def _via_workflow(w, pid):
    return approve(w, pid)


def _via_update_status(w, pid):
    return update_status(w, pid, "approved", user=w.approver)


def _via_transitions(w, pid):
    return w.client(w.approver).post(purl(pid, "transitions/approve"), {"comment": "OK"}, format="json")


PATHS = pytest.mark.parametrize("path", [_via_workflow, _via_update_status, _via_transitions],
                                ids=["workflow_approve", "update_status", "transitions_approve"])


@PATHS
def test_every_path_hits_the_gas_gate_then_passes(gasw, path):
    pid = _pending(gasw)
    r = path(gasw, pid)
    assert r.status_code == 400, r.json()
    assert r.json()["code"] == "transition_blocked"
    assert r.json()["errors"]["gas"]["codes"] == ["gas_readings_missing"]
    assert sorted(r.json()["errors"]["gas"]["missing_items"]) == ["CO", "H2S", "LEL", "O2"]
    assert status_of(pid) == "pending_approval"
    orm_gas(gasw, pid)
    r = path(gasw, pid)
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "approved" and status_of(pid) == "approved"


@PATHS
def test_every_path_hits_ppe_checklist_and_structured_isolation(w, path):
    pid = _pending(w, ppe_requirements=["Casque"], safety_checklist={"area_barricaded": False})
    orm_gas(w, pid)
    r = path(w, pid)
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert set(errors) == {"reasons", "isolation", "ppe", "checklist"}
    assert [reason["code"] for reason in errors["reasons"]] == ["isolation_points_missing", "ppe_missing",
                                                                "checklist_incomplete"]
    assert status_of(pid) == "pending_approval"


# --- gas --------------------------------------------------------------------------------
def test_gas_partial_readings_list_only_the_missing_gases(gasw):
    pid = _pending(gasw)
    orm_gas(gasw, pid, {"O2": "20.9", "LEL": "0"})
    r = approve(gasw, pid)
    assert r.status_code == 400
    assert r.json()["errors"]["gas"]["missing_items"] == ["H2S", "CO"]


def test_gas_unsafe_blocks_and_a_new_safe_reading_supersedes(gasw):
    pid = _pending(gasw)
    orm_gas(gasw, pid, {"O2": "20.9", "H2S": "0", "CO": "2"})
    r = api_gas(gasw, pid, "LEL", "15")
    assert r.status_code == 201 and r.json()["safe"] is False
    assert status_of(pid) == "pending_approval"  # not active: no suspension
    r = approve(gasw, pid)
    assert r.status_code == 400
    gas = r.json()["errors"]["gas"]
    assert gas["codes"] == ["gas_unsafe"] and gas["missing_items"] == ["LEL 15.00%LEL"]

    r = api_gas(gasw, pid, "LEL", "3", tested_at=timezone.now() + timedelta(seconds=1))
    assert r.json()["safe"] is True
    r = approve(gasw, pid)
    assert r.status_code == 200, r.json()


def test_gas_stale_readings_block_then_fresh_or_longer_validity_passes(gasw):
    pid = _pending(gasw)
    orm_gas(gasw, pid, tested_at=timezone.now() - timedelta(minutes=150))
    r = approve(gasw, pid)
    assert r.status_code == 400
    gas = r.json()["errors"]["gas"]
    assert gas["codes"] == ["gas_readings_stale"]
    assert sorted(gas["missing_items"]) == ["CO", "H2S", "LEL", "O2"]
    assert "120" in gas["message"]

    PermitType.objects.filter(pk=gasw.permit_type.pk).update(gas_reading_validity_minutes=180)
    r = approve(gasw, pid)
    assert r.status_code == 200, r.json()


def test_gas_gate_also_blocks_activation(gasw):
    pid = _approved(gasw)
    orm_gas(gasw, pid, tested_at=timezone.now() - timedelta(hours=3))
    r = update_status(gasw, pid, "active")
    assert r.status_code == 400 and r.json()["errors"]["gas"]["codes"] == ["gas_readings_stale"]
    assert status_of(pid) == "approved"
    orm_gas(gasw, pid)
    r = update_status(gasw, pid, "active")
    assert r.status_code == 200, r.json()
    assert status_of(pid) == "active"


def test_no_gas_gate_when_the_type_does_not_require_testing(plain):
    pid = _pending(plain)
    assert approve(plain, pid).status_code == 200


# --- PPE and checklist ------------------------------------------------------------------
def test_ppe_gate(plain):
    w = plain
    pid = _pending(w, ppe_requirements=["casque ", "Lunettes"])  # case and spaces do not matter
    r = approve(w, pid)
    assert r.status_code == 400
    ppe = r.json()["errors"]["ppe"]
    assert ppe["codes"] == ["ppe_missing"] and ppe["missing_items"] == ["Harnais"]
    assert set(r.json()["errors"]) == {"reasons", "ppe"}
    _patch(w, pid, ppe_requirements=["Casque", "Harnais", "Lunettes"])
    assert approve(w, pid).status_code == 200


def test_checklist_gate(plain):
    w = plain
    PermitType.objects.filter(pk=w.permit_type.pk).update(safety_checklist_items=[
        {"key": "area_barricaded", "label": "Zone balisée"}, {"key": "fire_watch", "label": "Surveillance incendie"}])
    pid = _pending(w, safety_checklist={"area_barricaded": True, "fire_watch": False})
    r = approve(w, pid)
    assert r.status_code == 400
    checklist = r.json()["errors"]["checklist"]
    assert checklist["codes"] == ["checklist_incomplete"] and checklist["missing_items"] == ["Surveillance incendie"]
    _patch(w, pid, safety_checklist={"area_barricaded": True, "fire_watch": True})
    assert approve(w, pid).status_code == 200


def test_ppe_and_checklist_also_block_activation(plain):
    w = plain
    pid = _approved(w, ppe_requirements=[], safety_checklist={})
    r = update_status(w, pid, "active")
    assert r.status_code == 400
    assert set(r.json()["errors"]) == {"reasons", "ppe", "checklist"}
    assert status_of(pid) == "approved"


# --- legacy isolation text rule ---------------------------------------------------------
def test_legacy_isolation_details_required_when_the_type_requires_isolation(plain):
    w = plain
    PermitType.objects.filter(pk=w.permit_type.pk).update(requires_isolation=True)
    created = w.create_permit()
    assert created["requires_isolation"] is True  # copied from the type
    pid = created["id"]
    set_status(pid, "pending_approval")
    r = approve(w, pid)
    assert r.status_code == 400
    assert r.json()["errors"]["isolation"]["codes"] == ["isolation_details_missing"]
    _patch(w, pid, isolation_details="   ")
    assert approve(w, pid).status_code == 400
    _patch(w, pid, isolation_details="Disjoncteur Q12 consigné, cadenas L-4")
    assert approve(w, pid).status_code == 200


def test_legacy_isolation_rule_from_the_permit_flag(plain):
    w = plain
    pid = _pending(w, requires_isolation=True)
    r = approve(w, pid)
    assert r.status_code == 400 and r.json()["errors"]["isolation"]["codes"] == ["isolation_details_missing"]


def test_legacy_text_rule_does_not_apply_with_structured_isolation(w):
    """Structured isolation replaces the text rule: details alone do not satisfy it."""
    PermitType.objects.filter(pk=w.permit_type.pk).update(requires_isolation=True)
    pid = _pending(w, isolation_details="Texte libre")
    orm_gas(w, pid)
    r = approve(w, pid)
    assert r.json()["errors"]["isolation"]["codes"] == ["isolation_points_missing"]


# --- crew -------------------------------------------------------------------------------
def _refuse(worker_pk):
    def check(worker, *, purpose, context=None):
        if worker.pk == worker_pk:
            return [Reason("medically_unfit", "Inapte au travail en espace confiné", "health")]
        return []
    return check


def test_crew_gate_refuses_an_unfit_worker_on_add(plain, worker_checks):
    w = plain
    pid = w.create_permit()["id"]
    unfit, fit = testing.make_worker(w.org), testing.make_worker(w.org)
    worker_checks("test-health", _refuse(unfit.pk))
    r = w.client(w.requester).post("/api/v1/ptw/permit-workers/", {"permit": pid, "worker": str(unfit.pk), "role": "Soudeur"},
                                   format="json")
    assert r.status_code == 400
    crew = r.json()["errors"]["crew"]
    assert crew["codes"] == ["medically_unfit"] and "Inapte" in crew["message"]
    assert r.json()["code"] == "crew_not_fit"
    assert not PermitWorker.objects.filter(permit_id=pid).exists()

    r = w.client(w.requester).post("/api/v1/ptw/permit-workers/", {"permit": pid, "worker": str(fit.pk)}, format="json")
    assert r.status_code == 201, r.json()
    assert PermitWorker.objects.filter(permit_id=pid, worker=fit).count() == 1


def test_crew_gate_blocks_activation_and_passes_without_provider(plain, worker_checks):
    w = plain
    pid = _approved(w)
    unfit = testing.make_worker(w.org)
    PermitWorker.objects.create(organization=w.org, permit_id=pid, worker=unfit)  # joined before the check existed
    worker_checks("test-health", _refuse(unfit.pk))
    r = update_status(w, pid, "active")
    assert r.status_code == 400
    crew = r.json()["errors"]["crew"]
    assert crew["codes"] == ["medically_unfit"] and crew["missing_items"] == [str(unfit)]
    assert status_of(pid) == "approved"
    # The readiness endpoint reports it too.
    readiness = w.client(w.issuer).get(purl(pid, "readiness")).json()
    assert readiness["missing"]["activate"] == ["medically_unfit"]

    from ohms_core import providers

    providers.unregister_worker_check("test-health")
    r = update_status(w, pid, "active")
    assert r.status_code == 200, r.json()
    assert status_of(pid) == "active"


def test_crew_gate_does_not_block_approval(plain, worker_checks):
    w = plain
    pid = _pending(w)
    unfit = testing.make_worker(w.org)
    PermitWorker.objects.create(organization=w.org, permit_id=pid, worker=unfit)
    worker_checks("test-health", _refuse(unfit.pk))
    assert approve(w, pid).status_code == 200


def test_resume_hits_the_activation_gates(gasw):
    pid = _approved(gasw)
    orm_gas(gasw, pid, tested_at=timezone.now() - timedelta(hours=5))
    set_status(pid, "suspended")
    r = update_status(gasw, pid, "active")
    assert r.status_code == 400 and r.json()["errors"]["gas"]["codes"] == ["gas_readings_stale"]
    assert status_of(pid) == "suspended"
    orm_gas(gasw, pid)
    r = update_status(gasw, pid, "active")
    assert r.status_code == 200, r.json()


# --- the generic admin transition URL hits the same gates ----------------------------------
def test_generic_admin_url_hits_the_gas_gate_then_passes(gasw):
    from django.contrib.contenttypes.models import ContentType

    from ..models import Permit
    from .test_admin_helpers import login

    pid = _pending(gasw)
    url = f"/admin/ohms/transition/{ContentType.objects.get_for_model(Permit).pk}/{pid}/approve/"
    response = login(gasw.approver).post(url, {"next": "/admin/"}, follow=True)
    messages = " ".join(str(m) for m in response.context["messages"])
    assert "Gas readings missing: O2, LEL, H2S, CO." in messages
    assert status_of(pid) == "pending_approval"
    orm_gas(gasw, pid)
    login(gasw.approver).post(url, {"next": "/admin/"})
    assert status_of(pid) == "approved"


# --- gates on in-memory objects (no HTTP, no database) ---------------------------------------
def _memory_permit(status="draft", **type_flags):
    from ..models import Permit

    permit_type = PermitType(name="T", code="t", **type_flags)
    return Permit(status=status, permit_type=permit_type, created_by_id=1, verifier_id=2, approver_id=3,
                  planned_start_time=timezone.now(), planned_end_time=timezone.now() + timedelta(hours=8))


def _codes(reasons):
    return [r.code for r in reasons]


@pytest.mark.parametrize(("status", "closed"), [("draft", False), ("active", False), ("suspended", False),
                                                ("completed", True), ("cancelled", True), ("expired", True),
                                                ("rejected", True), ("obsolete", True)])
def test_permit_open_gate(status, closed):
    assert _codes(gates.permit_open_gate(_memory_permit(status))) == (["permit_closed"] if closed else [])


def test_segregation_gate_on_people_named():
    permit = _memory_permit()
    assert _codes(gates.segregation_gate(permit)) == []
    permit.verifier_id = 1
    assert _codes(gates.segregation_gate(permit)) == ["requester_is_verifier"]
    permit.verifier_id, permit.approver_id = 2, 2
    assert _codes(gates.segregation_gate(permit)) == ["verifier_is_approver"]
    permit.permit_type.allow_verifier_as_approver = True
    assert _codes(gates.segregation_gate(permit)) == []
    permit.verifier_id = permit.approver_id = 1  # the setting never lets the requester verify or approve
    assert _codes(gates.segregation_gate(permit)) == ["requester_is_verifier", "requester_is_approver"]


def test_actor_segregation_reason():
    from types import SimpleNamespace

    permit = _memory_permit()
    requester, other = SimpleNamespace(pk=1), SimpleNamespace(pk=9)
    assert gates.actor_segregation_reason(permit, requester, "verify").code == "requester_is_verifier"
    assert gates.actor_segregation_reason(permit, requester, "approve").code == "requester_is_approver"
    assert gates.actor_segregation_reason(permit, requester, "activate") is None
    assert gates.actor_segregation_reason(permit, other, "verify") is None
    assert gates.actor_segregation_reason(permit, other, "approve", verified_by_id=9).code == "verifier_is_approver"
    permit.permit_type.allow_verifier_as_approver = True
    assert gates.actor_segregation_reason(permit, other, "approve", verified_by_id=9) is None


@pytest.mark.parametrize(("status", "codes"), [("approved", []), ("active", []), ("draft", ["invalid_state"]),
                                               ("suspended", ["invalid_state"])])
def test_extension_state_gate(status, codes):
    assert _codes(gates.extension_state_gate(_memory_permit(status))) == codes


@pytest.mark.parametrize(("gas", "value", "unit", "ok"), [
    ("O2", "20.9", "", True), ("O2", "100", "%", True), ("O2", "100.1", "", False), ("H2S", "-1", "", False),
    ("LEL", "101", "", False), ("CO", "999999", "ppm", True), ("CO", "1000001", "", False), ("other", "5000", "", True)])
def test_gas_value_reasons(gas, value, unit, ok):
    assert _codes(gates.gas_value_reasons(gas, value, unit)) == ([] if ok else ["gas_value_impossible"])


@pytest.mark.parametrize(("count", "ok"), [(None, True), (0, True), (100, True), (101, False), (-1, False), (40000, False)])
def test_lock_count_reasons(count, ok):
    assert _codes(gates.lock_count_reasons(count)) == ([] if ok else ["lock_count_out_of_range"])


def test_deisolation_allowed_gate_and_point_on_a_closed_permit():
    from ..models import PermitIsolationPoint

    permit = _memory_permit("active", requires_deisolation_on_closeout=False)
    point = PermitIsolationPoint(permit=permit, status="verified", lock_applied=False)
    assert _codes(gates.deisolation_allowed_gate(point)) == ["deisolation_not_enabled"]
    assert gates.shared_point_holders(point) == []  # a custom point without locks relies on nobody's
    permit.permit_type.requires_deisolation_on_closeout = True
    assert _codes(gates.deisolation_gates(point)) == []
    closed = PermitIsolationPoint(permit=_memory_permit("completed"), status="verified")
    assert _codes(gates.point_permit_open_gate(closed)) == ["permit_closed"]


def test_closeout_items_gate():
    from ..models import CloseoutChecklistTemplate, PermitCloseout

    template = CloseoutChecklistTemplate(items=[{"key": "a", "label": "A", "required": True},
                                                {"key": "b", "label": "B", "required": False}])
    closeout = PermitCloseout(template=template, checklist={})
    reasons = list(gates.closeout_items_gate(closeout))
    assert _codes(reasons) == ["closeout_incomplete"] and reasons[0].items == ("A",)
    closeout.checklist = {"a": {"done": True}}
    assert _codes(gates.closeout_items_gate(closeout)) == []
