"""SPEC 2.12: GET /api/v1/ptw/permits/{id}/readiness/ — stable keys, simulated gates,
invalid transitions, scoping and a small constant query count."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ohms_core import testing

from ..models import CloseoutChecklistTemplate
from .factories import PtwWorld
from .helpers import orm_gas, orm_point, point_action, purl, set_status, to_pending_approval

pytestmark = pytest.mark.django_db


def _readiness(w, pid, user=None):
    r = w.client(user or w.approver).get(purl(pid, "readiness"))
    assert r.status_code == 200, r.json()
    return r.json()


def test_response_keys_are_exactly_the_documented_ones(w):
    created = w.create_permit()
    body = _readiness(w, created["id"])
    assert set(body) == {"permit_id", "permit_number", "status", "requires", "readiness", "missing", "details"}
    assert body["permit_id"] == created["id"] and body["permit_number"] == created["permit_number"]
    assert body["status"] == "draft"
    assert set(body["requires"]) == {"gas_testing", "structured_isolation", "closeout"}
    assert body["requires"] == {"gas_testing": True, "structured_isolation": True, "closeout": True}
    assert set(body["readiness"]) == {"can_verify", "can_approve", "can_activate", "can_complete"}
    assert set(body["missing"]) == {"verify", "approve", "activate", "complete"}
    assert {"gas", "isolation", "ppe", "checklist", "closeout"} <= set(body["details"])
    assert set(body["details"]["gas"]) == {"required", "safe", "latest"}
    assert {"required_points", "verified_required", "pending_required"} <= set(body["details"]["isolation"])
    assert set(body["details"]["ppe"]) == {"required_items", "missing_items"}
    assert set(body["details"]["checklist"]) == {"required", "missing"}
    assert set(body["details"]["closeout"]) == {"template_exists", "is_complete", "missing_items"}
    assert body["details"]["ppe"] == {"required_items": ["Casque", "Harnais"], "missing_items": []}
    assert body["details"]["checklist"] == {"required": ["Zone balisée"], "missing": []}


def test_invalid_transitions_from_the_current_status(w):
    pid = w.create_permit()["id"]
    body = _readiness(w, pid)
    assert body["readiness"] == {"can_verify": False, "can_approve": False, "can_activate": False, "can_complete": False}
    for stage in ("verify", "approve", "activate", "complete"):
        assert body["missing"][stage] == ["invalid_transition_from_draft"]

    set_status(pid, "pending_verification")
    body = _readiness(w, pid, w.verifier)
    assert body["readiness"]["can_verify"] is True and body["missing"]["verify"] == []
    assert body["missing"]["approve"] == ["invalid_transition_from_pending_verification"]
    assert body["missing"]["complete"] == ["invalid_transition_from_pending_verification"]

    set_status(pid, "completed")
    body = _readiness(w, pid)
    assert all(v == ["invalid_transition_from_completed"] for v in body["missing"].values())


def test_role_layer_shows_in_missing(w):
    pid = w.create_permit()["id"]
    set_status(pid, "pending_verification")
    body = _readiness(w, pid, w.approver)  # not the assigned verifier
    assert body["readiness"]["can_verify"] is False and body["missing"]["verify"] == ["role"]


def test_missing_gas_readings_when_type_requires_gas_testing(w):
    pid = w.create_permit()["id"]
    to_pending_approval(w, pid)
    body = _readiness(w, pid)
    assert body["status"] == "pending_approval"
    assert body["readiness"]["can_approve"] is False
    assert "gas_readings_missing" in body["missing"]["approve"]
    assert body["details"]["gas"] == {"required": True, "safe": False, "latest": {}}

    orm_gas(w, pid)
    body = _readiness(w, pid)
    assert "gas_readings_missing" not in body["missing"]["approve"]
    assert body["details"]["gas"]["safe"] is True
    assert sorted(body["details"]["gas"]["latest"]) == ["CO", "H2S", "LEL", "O2"]
    assert body["details"]["gas"]["latest"]["O2"]["value"] == "20.90"
    assert body["details"]["gas"]["latest"]["O2"]["safe"] is True


def test_no_gas_requirement_no_gas_code(plain):
    pid = plain.create_permit()["id"]
    set_status(pid, "pending_approval")
    body = _readiness(plain, pid, plain.approver)
    assert body["requires"]["gas_testing"] is False
    assert body["details"]["gas"] == {"required": False, "safe": True, "latest": {}}  # nothing to test: the gas condition holds
    assert body["readiness"]["can_approve"] is True and body["missing"]["approve"] == []


def test_isolation_pending_then_clear_once_verified(w):
    pid = w.create_permit()["id"]
    to_pending_approval(w, pid)
    orm_gas(w, pid)
    body = _readiness(w, pid)
    assert body["missing"]["approve"] == ["isolation_points_missing"]

    points = [orm_point(w, pid, status="assigned", library_point=w.point), orm_point(w, pid, status="isolated", name="V-2")]
    body = _readiness(w, pid)
    assert body["missing"]["approve"] == ["isolation_points_not_verified"]
    assert body["details"]["isolation"] == {"required_points": 2, "verified_required": 0, "pending_required": 2,
                                            "deisolated_required": 0}

    point_action(w, pid, points[0].pk, "isolate", lock_ids=["L-1"])
    point_action(w, pid, points[0].pk, "verify")
    point_action(w, pid, points[1].pk, "verify")
    body = _readiness(w, pid)
    assert body["readiness"]["can_approve"] is True and body["missing"]["approve"] == []
    assert body["details"]["isolation"]["verified_required"] == 2 and body["details"]["isolation"]["pending_required"] == 0


def test_closeout_incomplete_and_deisolation_required_for_complete(w):
    pid = w.create_permit()["id"]
    orm_point(w, pid, status="verified", library_point=w.point)
    set_status(pid, "active")
    body = _readiness(w, pid, w.issuer)
    assert body["readiness"]["can_complete"] is False
    assert body["missing"]["complete"] == ["closeout_incomplete", "deisolation_required"]
    assert body["details"]["closeout"] == {"template_exists": True, "is_complete": False,
                                           "missing_items": ["Outils retirés", "Zone nettoyée"]}


def test_no_closeout_code_without_template(plain):
    CloseoutChecklistTemplate.objects.filter(pk=plain.template.pk).update(is_active=False)
    pid = plain.create_permit()["id"]
    set_status(pid, "active")
    body = _readiness(plain, pid, plain.issuer)
    assert body["requires"]["closeout"] is False
    assert body["details"]["closeout"] == {"template_exists": False, "is_complete": True, "missing_items": []}
    assert body["readiness"]["can_complete"] is True and body["missing"]["complete"] == []


def test_ppe_and_checklist_missing_codes(plain):
    pid = plain.create_permit(ppe_requirements=["Casque"], safety_checklist={})["id"]
    set_status(pid, "pending_approval")
    body = _readiness(plain, pid, plain.approver)
    assert body["missing"]["approve"] == ["ppe_missing", "checklist_incomplete"]
    assert body["details"]["ppe"]["missing_items"] == ["Harnais"]
    assert body["details"]["checklist"]["missing"] == ["Zone balisée"]


def test_project_scoping_restricted_member_gets_404(w):
    pid = w.create_permit()["id"]
    restricted = testing.make_member(w.org, "approver", projects=[w.other_project])
    r = w.client(restricted).get(purl(pid, "readiness"))
    assert r.status_code == 404
    allowed = testing.make_member(w.org, "approver", projects=[w.project])
    assert w.client(allowed).get(purl(pid, "readiness")).status_code == 200


def test_other_organization_gets_404(w):
    pid = w.create_permit()["id"]
    other = PtwWorld(code="BRV")
    r = other.client(other.admin).get(purl(pid, "readiness"))
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def _count_queries(w, pid):
    client = w.client(w.approver)
    client.get(purl(pid, "readiness"))  # warm caches (content types, token)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(purl(pid, "readiness"))
    assert r.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_is_small_and_constant(w):
    small = w.create_permit(location="A")["id"]
    big = w.create_permit(location="B")["id"]
    for pid in (small, big):
        set_status(pid, "pending_approval")
    orm_gas(w, small, {"O2": "20.9"})
    orm_point(w, small, status="assigned", library_point=w.point)
    for _ in range(3):
        orm_gas(w, big, {"O2": "20.9", "LEL": "1"})
    orm_point(w, big, status="verified", library_point=w.point)
    for n in range(5):
        orm_point(w, big, status="verified", name=f"V-{n}")
    small_count, big_count = _count_queries(w, small), _count_queries(w, big)
    assert small_count == big_count, (small_count, big_count)
    assert big_count <= 25, big_count
