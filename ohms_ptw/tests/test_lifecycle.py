"""One full permit lifecycle through REST only (issue: create → complete), asserting
history, transition logs, PermitAudit rows and events at each step."""
import pytest
from django.utils import timezone

from ohms_core.models import Event, TransitionLog

from ..models import LotoLog, Permit, PermitAudit
from .factories import PtwWorld

pytestmark = pytest.mark.django_db
BASE = "/api/v1/ptw/permits/"


def _status(permit_id):
    return Permit.objects.get(pk=permit_id).status


def test_full_lifecycle_through_rest(django_capture_on_commit_callbacks):
    w = PtwWorld()
    requester, verifier, approver, issuer = (w.client(u) for u in (w.requester, w.verifier, w.approver, w.issuer))
    created = w.create_permit()
    pid = created["id"]
    assert created["permit_number"] == f"PTW-SMK-{timezone.localdate().year}-00001"
    assert created["status"] == "draft" and created["risk_level"] == "high" and created["version"] == 1
    assert created["isolation_summary"] == {"total": 0, "required": 0, "verified_required": 0, "pending_required": 0,
                                            "deisolated_required": 0}

    r = requester.post(f"{BASE}{pid}/workflow/initiate/", {}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "pending_verification"

    # Only the assigned verifier may verify.
    r = approver.post(f"{BASE}{pid}/workflow/verify/", {"decision": "approve"}, format="json")
    assert r.status_code == 403 and "assigned verifier" in r.json()["detail"]
    r = verifier.post(f"{BASE}{pid}/workflow/verify/", {"decision": "approve", "comment": "Analyse de risque OK"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "pending_approval"

    # Approval blocked by gas and isolation, keyed by gate.
    r = approver.post(f"{BASE}{pid}/workflow/approve/", {"decision": "approve"}, format="json")
    assert r.status_code == 400, r.json()
    errors = r.json()["errors"]
    assert set(errors) >= {"gas", "isolation", "reasons"}
    assert errors["gas"]["codes"] == ["gas_readings_missing"]
    assert sorted(errors["gas"]["missing_items"]) == ["CO", "H2S", "LEL", "O2"]
    assert errors["isolation"]["codes"] == ["isolation_points_missing"]
    assert _status(pid) == "pending_approval"

    for gas, value in (("O2", "20.9"), ("LEL", "0"), ("H2S", "0"), ("CO", "2")):
        r = issuer.post("/api/v1/ptw/gas-readings/", {"permit": pid, "gas": gas, "value": value,
                                                      "tested_at": timezone.now().isoformat()}, format="json")
        assert r.status_code == 201, r.json()
        assert r.json()["safe"] is True
    r = requester.post(f"{BASE}{pid}/assign_isolation/", {"library_point_id": str(w.point.pk)}, format="json")
    assert r.status_code == 201, r.json()
    point_id = r.json()["id"]
    r = approver.post(f"{BASE}{pid}/workflow/approve/", {"decision": "approve"}, format="json")
    assert r.status_code == 400 and r.json()["errors"]["isolation"]["codes"] == ["isolation_points_not_verified"]
    assert r.json()["errors"]["isolation"]["missing_items"] == ["MCC-01"]
    r = issuer.post(f"{BASE}{pid}/update_isolation/", {"permit_isolation_point_id": point_id, "action": "isolate",
                                                        "lock_count": 2, "lock_ids": ["L-101", "L-102"]}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "isolated" and r.json()["lock_ids"] == ["L-101", "L-102"]
    r = issuer.post(f"{BASE}{pid}/update_isolation/", {"permit_isolation_point_id": point_id, "action": "verify",
                                                        "verification_notes": "Essai de démarrage négatif"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "verified"

    with django_capture_on_commit_callbacks(execute=True):
        r = approver.post(f"{BASE}{pid}/workflow/approve/", {"decision": "approve", "comment": "OK"}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "approved" and r.json()["approved_at"]

    r = issuer.post(f"{BASE}{pid}/update_status/", {"status": "active"}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "active" and r.json()["actual_start_time"]

    # Completion blocked by closeout and de-isolation.
    r = issuer.post(f"{BASE}{pid}/update_status/", {"status": "completed"}, format="json")
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert errors["closeout"]["codes"] == ["closeout_incomplete"]
    assert sorted(errors["closeout"]["missing_items"]) == ["Outils retirés", "Zone nettoyée"]
    assert errors["isolation"]["codes"] == ["deisolation_required"]

    r = issuer.post(f"{BASE}{pid}/update_isolation/", {"permit_isolation_point_id": point_id, "action": "deisolate",
                                                        "deisolated_notes": "Cadenas retirés"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "deisolated"
    r = issuer.post(f"{BASE}{pid}/update_closeout/", {"checklist": {"tools_removed": True, "area_clean": True}}, format="json")
    assert r.status_code == 200 and r.json()["missing_items"] == []
    r = issuer.post(f"{BASE}{pid}/complete_closeout/", {}, format="json")
    assert r.status_code == 200 and r.json()["is_complete"] is True
    r = issuer.post(f"{BASE}{pid}/update_status/", {"status": "completed", "comment": "Travaux terminés"}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "completed" and r.json()["completed_at"]

    permit = Permit.objects.get(pk=pid)
    logs = list(TransitionLog.objects.filter(object_id=pid).order_by("timestamp").values_list("transition", "to_state"))
    assert logs == [("initiate_workflow", "pending_verification"), ("verify", "pending_approval"), ("approve", "approved"),
                    ("activate", "active"), ("complete", "completed")]
    assert permit.history.filter(status="completed").count() == 1
    assert permit.history.first().history_user == w.issuer
    event_types = set(Event.objects.filter(object_id=pid).values_list("type", flat=True))
    assert {"ptw.permit.created", "ptw.permit.workflow_initiated", "ptw.permit.verified", "ptw.permit.approved",
            "ptw.permit.activated", "ptw.permit.completed"} <= event_types
    actions = list(PermitAudit.objects.filter(permit_id=pid).values_list("action", flat=True))
    for action in ("created", "initiate_workflow", "verify", "approve", "activate", "complete", "gas_reading",
                   "isolation_assigned", "isolation_isolate", "isolation_verify", "isolation_deisolate", "closeout_completed"):
        assert action in actions, action
    assert list(LotoLog.objects.filter(permit_id=pid).order_by("timestamp").values_list("action", flat=True)) == ["active", "removed"]
    assert permit.workflow.steps.count() == 2
    assert set(permit.workflow.steps.values_list("status", flat=True)) == {"approved"}
