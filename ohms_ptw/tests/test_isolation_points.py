"""SPEC 2.7: structured isolation (LOTO) — library, assignment, point state machine,
gating, permissions, summary, shared points and SIMOPS."""
import pytest

from ohms_core import testing

from ..models import IsolationPointLibrary, LotoLog, PermitAudit, PermitIsolationPoint, PermitType
from .helpers import (
    approve,
    assign,
    orm_gas,
    orm_point,
    point_action,
    purl,
    set_status,
    status_of,
    to_active,
    to_pending_approval,
    update_status,
    verified_library_point,
    window,
)

pytestmark = pytest.mark.django_db
LIBRARY = "/api/v1/ptw/isolation-points/"


def _library(w, code, **kw):
    return IsolationPointLibrary.objects.create(organization=w.org, point_code=code, **{"project": w.project, **kw})


def test_create_library_point(w):
    site = testing.make_site(w.org, name="Usine")
    r = w.client(w.admin).post(LIBRARY, {
        "project": str(w.project.pk), "site": str(site.pk), "asset_tag": "PMP-7", "point_code": "V-101",
        "point_type": "valve", "energy_type": "hydraulic", "location": "Station de pompage",
        "isolation_method": "Fermer et cadenasser V-101", "verification_method": "Manomètre à zéro",
        "default_lock_count": 2, "ppe_required": ["Gants"]}, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["label"] == "V-101 - valve (hydraulic)"
    assert body["requires_lock"] is True and body["is_active"] is True and body["default_lock_count"] == 2
    point = IsolationPointLibrary.objects.get(pk=body["id"])
    assert point.organization == w.org and point.project == w.project and point.site == site
    assert point.ppe_required == ["Gants"]

    # The code is unique within the project.
    r = w.client(w.admin).post(LIBRARY, {"project": str(w.project.pk), "point_code": "V-101"}, format="json")
    assert r.status_code in (400, 409)
    assert IsolationPointLibrary.objects.filter(point_code="V-101").count() == 1
    # ... but may repeat in another project.
    r = w.client(w.admin).post(LIBRARY, {"project": str(w.other_project.pk), "point_code": "V-101"}, format="json")
    assert r.status_code == 201, r.json()


def test_assign_library_point_to_permit(w):
    pid = w.create_permit()["id"]
    r = assign(w, pid, library_point=w.point, order=3)
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["point"] == str(w.point.pk) and body["point_code"] == "MCC-01"
    assert body["energy_type"] == "electrical" and body["point_type"] == "breaker" and body["location"] == "Salle MCC"
    assert body["status"] == "assigned" and body["required"] is True and body["order"] == 3
    assert body["lock_applied"] is False and body["lock_count"] == 0 and body["lock_ids"] == []
    assert PermitIsolationPoint.objects.filter(permit_id=pid, point=w.point).count() == 1
    assert PermitAudit.objects.filter(permit_id=pid, action="isolation_assigned").count() == 1


def test_assign_global_library_point_but_not_another_projects_point(w):
    pid = w.create_permit()["id"]
    shared = _library(w, "GEN-1", project=None)
    assert assign(w, pid, library_point=shared).status_code == 201
    elsewhere = _library(w, "MINE-1", project=w.other_project)
    r = assign(w, pid, library_point=elsewhere)
    assert r.status_code == 400 and "library_point_id" in r.json()["errors"]
    r = w.client(w.requester).post(purl(pid, "assign_isolation"),
                                   {"library_point_id": "00000000-0000-0000-0000-000000000000"}, format="json")
    assert r.status_code == 400 and "library_point_id" in r.json()["errors"]
    assert PermitIsolationPoint.objects.filter(permit_id=pid).count() == 1


def test_assign_custom_point_to_permit(w):
    pid = w.create_permit()["id"]
    r = assign(w, pid, custom_point_name="Vanne manuelle V-7", custom_point_details="Sous la passerelle", required=False)
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["point"] is None and body["point_code"] is None
    assert body["custom_point_name"] == "Vanne manuelle V-7" and body["name"] == "Vanne manuelle V-7"
    assert body["custom_point_details"] == "Sous la passerelle" and body["required"] is False
    # Several custom points are allowed.
    assert assign(w, pid, custom_point_name="Vanne V-8").status_code == 201
    assert PermitIsolationPoint.objects.filter(permit_id=pid, point__isnull=True).count() == 2


def test_custom_point_without_name_is_400(w):
    pid = w.create_permit()["id"]
    r = assign(w, pid, custom_point_name="   ", custom_point_details="Détails seuls")
    assert r.status_code == 400 and "custom_point_name" in r.json()["errors"]
    r = w.client(w.requester).post(purl(pid, "assign_isolation"), {}, format="json")
    assert r.status_code == 400 and "custom_point_name" in r.json()["errors"]
    assert not PermitIsolationPoint.objects.filter(permit_id=pid).exists()


def test_duplicate_library_assignment_is_400(w):
    pid = w.create_permit()["id"]
    assert assign(w, pid, library_point=w.point).status_code == 201
    r = assign(w, pid, library_point=w.point)
    assert r.status_code == 400 and "library_point_id" in r.json()["errors"]
    assert PermitIsolationPoint.objects.filter(permit_id=pid).count() == 1


def test_gating_blocks_approve_when_requires_structured_isolation_and_no_points(w):
    pid = w.create_permit()["id"]
    to_pending_approval(w, pid)
    orm_gas(w, pid)
    r = approve(w, pid)
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert errors["isolation"]["codes"] == ["isolation_points_missing"]
    assert set(errors) == {"reasons", "isolation"}
    # A point that is not required does not count.
    orm_point(w, pid, status="verified", name="Optionnel", required=False)
    r = approve(w, pid)
    assert r.status_code == 400 and r.json()["errors"]["isolation"]["codes"] == ["isolation_points_missing"]
    assert status_of(pid) == "pending_approval"


def test_gating_blocks_activate_when_points_not_verified(w):
    pid = w.create_permit()["id"]
    to_pending_approval(w, pid)
    orm_gas(w, pid)
    verified_library_point(w, pid)
    assert approve(w, pid).status_code == 200
    # A second required point, only isolated, appears after approval.
    second = _library(w, "MCC-02")
    r = assign(w, pid, library_point=second)
    point_id = r.json()["id"]
    point_action(w, pid, point_id, "isolate", lock_ids=["L-2"])
    r = update_status(w, pid, "active")
    assert r.status_code == 400
    iso = r.json()["errors"]["isolation"]
    assert iso["codes"] == ["isolation_points_not_verified"] and iso["missing_items"] == ["MCC-02"]
    assert "MCC-02" in iso["message"]
    assert status_of(pid) == "approved"


def test_allows_activate_when_all_required_verified(w):
    pid = w.create_permit()["id"]
    to_pending_approval(w, pid)
    orm_gas(w, pid)
    verified_library_point(w, pid)
    assign(w, pid, custom_point_name="Optionnel", required=False)  # not required: may stay assigned
    assert approve(w, pid).status_code == 200
    r = update_status(w, pid, "active")
    assert r.status_code == 200, r.json()
    assert status_of(pid) == "active"


def test_permission_only_allowed_roles_can_verify(w):
    pid = w.create_permit()["id"]
    point_id = assign(w, pid, library_point=w.point).json()["id"]
    outsider_approver = testing.make_member(w.org, "approver")  # an approver, but not this permit's
    worker = testing.make_member(w.org, "worker")
    for user in (w.requester, outsider_approver, worker):
        r = point_action(w, pid, point_id, "isolate", user=user, lock_ids=["L-1"])
        assert r.status_code == 403, (user, r.json())
    assert PermitIsolationPoint.objects.get(pk=point_id).status == "assigned"

    assert point_action(w, pid, point_id, "isolate", user=w.area, lock_ids=["L-1"]).status_code == 200
    for user in (w.requester, outsider_approver, worker):
        r = point_action(w, pid, point_id, "verify", user=user)
        assert r.status_code == 403, (user, r.json())
        assert "issuer" in r.json()["detail"]
    assert PermitIsolationPoint.objects.get(pk=point_id).status == "isolated"
    # The permit's verifier (by assignment) may verify.
    r = point_action(w, pid, point_id, "verify", user=w.verifier, verification_notes="Testeur: 0 V")
    assert r.status_code == 200, r.json()
    point = PermitIsolationPoint.objects.get(pk=point_id)
    assert point.status == "verified" and point.verified_by == w.verifier

    # A member restricted to another project does not even see the permit.
    stranger = testing.make_member(w.org, "issuer", projects=[w.other_project])
    r = point_action(w, pid, point_id, "deisolate", user=stranger)
    assert r.status_code == 404
    assert PermitIsolationPoint.objects.get(pk=point_id).status == "verified"


def test_isolate_verify_deisolate_workflow_with_loto_log(w):
    pid = w.create_permit()["id"]
    point_id = assign(w, pid, library_point=w.point).json()["id"]

    r = point_action(w, pid, point_id, "isolate", lock_count=2, lock_ids=["L-101", "L-102"])
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["status"] == "isolated" and body["lock_applied"] is True
    assert body["lock_count"] == 2 and body["lock_ids"] == ["L-101", "L-102"]
    assert body["isolated_by"] == w.issuer.pk and body["isolated_at"]
    log = LotoLog.objects.get(permit_id=pid)
    assert (log.action, log.lock_ids, log.asset_tag, log.user, str(log.isolation_point_id)) == (
        "active", ["L-101", "L-102"], "BROY-2", w.issuer, point_id)

    r = point_action(w, pid, point_id, "verify", user=w.area, verification_notes="Essai de démarrage négatif")
    assert r.status_code == 200
    assert r.json()["status"] == "verified" and r.json()["verified_by"] == w.area.pk
    assert r.json()["verification_notes"] == "Essai de démarrage négatif"
    assert LotoLog.objects.filter(permit_id=pid).count() == 1  # verification writes no lock entry

    r = point_action(w, pid, point_id, "deisolate", deisolated_notes="Cadenas retirés")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "deisolated" and body["deisolated_by"] == w.issuer.pk and body["deisolated_at"]
    assert body["deisolated_notes"] == "Cadenas retirés" and body["lock_applied"] is False
    logs = list(LotoLog.objects.filter(permit_id=pid).order_by("timestamp").values_list("action", "lock_ids"))
    assert logs == [("active", ["L-101", "L-102"]), ("removed", ["L-101", "L-102"])]
    actions = set(PermitAudit.objects.filter(permit_id=pid).values_list("action", flat=True))
    assert {"isolation_isolate", "isolation_verify", "isolation_deisolate"} <= actions

    # LOTO log endpoint lists both rows.
    r = w.client(w.issuer).get("/api/v1/ptw/loto-logs/", {"permit": pid})
    assert r.status_code == 200
    assert sorted(row["action"] for row in r.json()["results"]) == ["active", "removed"]


def test_isolate_lock_validation(w):
    pid = w.create_permit()["id"]
    point_id = assign(w, pid, library_point=w.point).json()["id"]
    r = point_action(w, pid, point_id, "isolate", lock_count=2, lock_ids=["L-1"])
    assert r.status_code == 400 and "lock_ids" in r.json()["errors"]
    r = point_action(w, pid, point_id, "isolate", lock_count=0)
    assert r.status_code == 400 and "lock_count" in r.json()["errors"]
    assert PermitIsolationPoint.objects.get(pk=point_id).status == "assigned"
    assert not LotoLog.objects.filter(permit_id=pid).exists()
    # Without ids the library's default lock count is used.
    r = point_action(w, pid, point_id, "isolate")
    assert r.status_code == 200 and r.json()["lock_count"] == 1


def test_regressions_are_rejected_without_state_change(w):
    pid = w.create_permit()["id"]
    point_id = assign(w, pid, library_point=w.point).json()["id"]

    r = point_action(w, pid, point_id, "verify")
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"
    r = point_action(w, pid, point_id, "deisolate")
    assert r.status_code == 409
    assert PermitIsolationPoint.objects.get(pk=point_id).status == "assigned"

    assert point_action(w, pid, point_id, "isolate", lock_ids=["L-1"]).status_code == 200
    version = PermitIsolationPoint.objects.get(pk=point_id).version
    r = point_action(w, pid, point_id, "isolate", lock_ids=["L-9"])
    assert r.status_code == 409
    point = PermitIsolationPoint.objects.get(pk=point_id)
    assert (point.status, point.lock_ids, point.version) == ("isolated", ["L-1"], version)
    assert LotoLog.objects.filter(permit_id=pid).count() == 1

    assert point_action(w, pid, point_id, "verify").status_code == 200
    assert point_action(w, pid, point_id, "deisolate").status_code == 200
    for action in ("isolate", "verify"):
        r = point_action(w, pid, point_id, action, lock_ids=["L-1"])
        assert r.status_code == 409, action
    assert PermitIsolationPoint.objects.get(pk=point_id).status == "deisolated"
    r = point_action(w, pid, point_id, "cancel")
    assert r.status_code == 400 and "action" in r.json()["errors"]


def test_deisolate_refused_when_the_type_does_not_track_it(w):
    PermitType.objects.filter(pk=w.permit_type.pk).update(requires_deisolation_on_closeout=False)
    pid = w.create_permit()["id"]
    point = orm_point(w, pid, status="verified", library_point=w.point)
    r = point_action(w, pid, point.pk, "deisolate")
    assert r.status_code == 400 and r.json()["code"] == "deisolation_not_enabled"
    assert PermitIsolationPoint.objects.get(pk=point.pk).status == "verified"


def test_points_of_a_closed_permit_cannot_change(w):
    pid = w.create_permit()["id"]
    point = orm_point(w, pid, status="assigned", library_point=w.point)
    set_status(pid, "completed")
    r = point_action(w, pid, point.pk, "isolate", lock_ids=["L-1"])
    assert r.status_code == 400 and r.json()["code"] == "permit_closed"
    r = assign(w, pid, custom_point_name="Trop tard")
    assert r.status_code == 400 and r.json()["code"] == "permit_closed"


def test_point_of_another_permit_is_404(w):
    first, second = w.create_permit()["id"], w.create_permit()["id"]
    point = orm_point(w, second, status="assigned", library_point=w.point)
    r = point_action(w, first, point.pk, "isolate", lock_ids=["L-1"])
    assert r.status_code == 404
    assert PermitIsolationPoint.objects.get(pk=point.pk).status == "assigned"


def test_summary_endpoint_shape_and_counts(w):
    pid = w.create_permit()["id"]
    orm_point(w, pid, status="verified", library_point=w.point)
    orm_point(w, pid, status="isolated", name="V-2")
    orm_point(w, pid, status="deisolated", name="V-3")
    orm_point(w, pid, status="assigned", name="V-4", required=False)
    orm_point(w, pid, status="cancelled", name="V-5")
    r = w.client(w.requester).get(purl(pid, "isolation"))
    assert r.status_code == 200
    body = r.json()
    assert {"points", "summary", "requires_structured_isolation", "requires_deisolation_on_closeout"} <= set(body)
    assert body["summary"] == {"total": 4, "required": 3, "verified_required": 2, "pending_required": 1,
                               "deisolated_required": 1}
    assert body["requires_structured_isolation"] is True and body["requires_deisolation_on_closeout"] is True
    assert sorted(p["name"] for p in body["points"]) == ["MCC-01", "V-2", "V-3", "V-4"]  # cancelled hidden
    # The permit detail carries the same summary.
    detail = w.client(w.requester).get(purl(pid)).json()
    assert detail["isolation_summary"] == body["summary"]


def test_summary_when_structured_isolation_is_off(plain):
    pid = plain.create_permit()["id"]
    body = plain.client(plain.requester).get(purl(pid, "isolation")).json()
    assert body["points"] == [] and body["requires_structured_isolation"] is False
    assert body["summary"] == {"total": 0, "required": 0, "verified_required": 0, "pending_required": 0,
                               "deisolated_required": 0}


def test_library_filters(w):
    site = testing.make_site(w.org, name="Usine")
    _library(w, "V-101", site=site, asset_tag="PMP-7", energy_type="hydraulic", point_type="valve",
             description="Refoulement pompe")
    _library(w, "BRK-9", asset_tag="CONV-1", energy_type="electrical", point_type="breaker", location="Sous-station 2")
    _library(w, "MINE-1", project=w.other_project, energy_type="pneumatic", point_type="valve")
    client = w.client(w.requester)

    def codes(**params):
        r = client.get(LIBRARY, params)
        assert r.status_code == 200, r.json()
        return sorted(p["point_code"] for p in r.json()["results"])

    assert codes() == ["BRK-9", "MCC-01", "MINE-1", "V-101"]
    assert codes(project=str(w.project.pk)) == ["BRK-9", "MCC-01", "V-101"]
    assert codes(project=str(w.other_project.pk)) == ["MINE-1"]
    assert codes(site=str(site.pk)) == ["V-101"]
    assert codes(asset_tag="CONV-1") == ["BRK-9"]
    assert codes(energy_type="electrical") == ["BRK-9", "MCC-01"]
    assert codes(point_type="valve") == ["MINE-1", "V-101"]
    assert codes(q="pompe") == ["V-101"]
    assert codes(q="sous-station") == ["BRK-9"]
    assert codes(q="broy") == ["MCC-01"]  # asset tag BROY-2
    assert codes(point_type="valve", energy_type="hydraulic") == ["V-101"]

    # A member restricted to the first project sees its points and global ones, not the other project's.
    _library(w, "GEN-1", project=None)
    restricted = testing.make_member(w.org, "permit_requester", projects=[w.project])
    r = w.client(restricted).get(LIBRARY)
    assert sorted(p["point_code"] for p in r.json()["results"]) == ["BRK-9", "GEN-1", "MCC-01", "V-101"]


def _shared_pair(w, *, second_has_locks=False):
    """Two active permits on the library point MCC-01 (verified on both): the first put its
    locks on it; the second relies on them unless ``second_has_locks``."""
    first = w.create_permit(**window(0))["id"]
    second = w.create_permit(**window(1), location="Broyeur 2")["id"]
    points = {}
    for pid, locked in ((first, True), (second, second_has_locks)):
        points[pid] = orm_point(w, pid, status="verified", library_point=w.point)
        if locked:
            PermitIsolationPoint.objects.filter(pk=points[pid].pk).update(lock_applied=True, lock_count=1, lock_ids=[f"L-{pid[:4]}"])
        set_status(pid, "active")
    return first, second, points


def test_group_lockout_permits_with_own_locks_never_block_each_other(w):
    first, second, points = _shared_pair(w, second_has_locks=True)
    for pid in (first, second):
        r = point_action(w, pid, points[pid].pk, "deisolate")
        assert r.status_code == 200, r.json()
        assert r.json()["status"] == "deisolated"


def test_shared_point_deisolation_blocked_while_another_live_permit_relies_on_it(w):
    first, second, points = _shared_pair(w)
    second_number = w.client(w.issuer).get(purl(second)).json()["permit_number"]

    r = point_action(w, first, points[first].pk, "deisolate")
    assert r.status_code == 400
    assert r.json()["code"] == "isolation_point_shared"
    assert r.json()["errors"]["isolation"]["codes"] == ["isolation_point_shared"]
    assert r.json()["errors"]["isolation"]["missing_items"] == [second_number]
    assert second_number in r.json()["detail"]
    assert PermitIsolationPoint.objects.get(pk=points[first].pk).status == "verified"
    assert not LotoLog.objects.filter(permit_id=first).exists()

    # Once the other permit's point is de-isolated, nothing relies on it any more.
    PermitIsolationPoint.objects.filter(pk=points[second].pk).update(status="deisolated")
    r = point_action(w, first, points[first].pk, "deisolate")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "deisolated"


def test_shared_point_is_free_once_the_other_permit_is_closed(w):
    first, second, points = _shared_pair(w)
    set_status(second, "cancelled")
    r = point_action(w, first, points[first].pk, "deisolate")
    assert r.status_code == 200, r.json()


def test_simops_conflicts_for_shared_point_and_overlapping_location(w):
    other = w.create_permit(**window(0), location="Cuve T-12")
    orm_point(w, other["id"], status="verified", library_point=w.point)
    set_status(other["id"], "active")
    far = w.create_permit(**window(0), location="Atelier")  # another location, no shared point
    set_status(far["id"], "active")
    later = w.create_permit(**window(9, length=2), location="Cuve T-12")  # same place, after the window
    set_status(later["id"], "approved")

    # Same location, overlapping window only.
    mine = w.create_permit(**window(1, length=4), location="cuve t-12")["id"]
    details = w.client(w.issuer).get(purl(mine, "readiness")).json()["details"]["simops"]["conflicts"]
    assert [(c["permit_number"], c["kind"]) for c in details] == [(other["permit_number"], "location")]

    # Shared isolation point only (different place).
    shared = w.create_permit(**window(1, length=4), location="Salle MCC")["id"]
    orm_point(w, shared, status="assigned", library_point=w.point)
    details = w.client(w.issuer).get(purl(shared, "readiness")).json()["details"]["simops"]["conflicts"]
    assert [(c["permit_number"], c["kind"]) for c in details] == [(other["permit_number"], "isolation_point")]
    assert "MCC-01" in details[0]["reason"]

    # Draft permits do not hold the site: no conflict with them.
    alone = w.create_permit(**window(1, length=4), location="Atelier 2")["id"]
    w.create_permit(**window(1, length=4), location="Atelier 2")
    assert w.client(w.issuer).get(purl(alone, "readiness")).json()["details"]["simops"]["conflicts"] == []


@pytest.mark.parametrize("policy, blocked", [("block", True), ("warn", False)])
def test_location_overlap_policy(plain, policy, blocked):
    w = plain
    PermitType.objects.filter(pk=w.permit_type.pk).update(location_overlap_policy=policy)
    other = w.create_permit(location="Cuve T-12")
    set_status(other["id"], "active")
    pid = w.create_permit(location="Cuve T-12")["id"]
    to_pending_approval(w, pid)
    r = approve(w, pid)
    if blocked:
        assert r.status_code == 400
        simops = r.json()["errors"]["simops"]
        assert simops["codes"] == ["simops_location_conflict"]
        assert simops["missing_items"] == [other["permit_number"]]
        assert status_of(pid) == "pending_approval"
        readiness = w.client(w.approver).get(purl(pid, "readiness")).json()
        assert readiness["missing"]["approve"] == ["simops_location_conflict"]
    else:
        assert r.status_code == 200, r.json()
        assert status_of(pid) == "approved"
        conflicts = w.client(w.approver).get(purl(pid, "readiness")).json()["details"]["simops"]["conflicts"]
        assert [c["permit_number"] for c in conflicts] == [other["permit_number"]]


def test_blocks_completion_if_requires_deisolation_and_not_deisolated(w):
    from ..models import CloseoutChecklistTemplate

    CloseoutChecklistTemplate.objects.filter(pk=w.template.pk).update(is_active=False)  # isolate the de-isolation rule
    pid = w.create_permit()["id"]
    point_id = to_active(w, pid)
    r = update_status(w, pid, "completed")
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert errors["isolation"]["codes"] == ["deisolation_required"]
    assert errors["isolation"]["missing_items"] == ["MCC-01"]
    assert status_of(pid) == "active"
    assert point_action(w, pid, point_id, "deisolate").status_code == 200
    r = update_status(w, pid, "completed")
    assert r.status_code == 200, r.json()
    assert status_of(pid) == "completed"
