"""Permit-to-work rules hold on every path: isolation points through the generic admin
transition URL, segregation of duties, system-only transitions, the closed-permit guard,
impossible inputs (400, never 500) and one audit row per write."""
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_core.exceptions import NotAllowedError
from ohms_core.models import AuditLog, TransitionLog

from ..models import (
    GasReading,
    LotoLog,
    Permit,
    PermitCloseout,
    PermitExtension,
    PermitIsolationPoint,
    PermitType,
)
from ..services import workflow as workflow_services
from .factories import PtwWorld
from .helpers import (
    api_gas,
    assign,
    orm_point,
    point_action,
    purl,
    set_status,
    status_of,
    update_status,
    window,
)
from .test_admin_helpers import PASSWORD, login
from .test_photos import PNG

pytestmark = pytest.mark.django_db
ADMIN = "/admin/ptw/permits/"


@pytest.fixture
def w():
    return PtwWorld("RUL")


def generic_url(obj, name):
    ct = ContentType.objects.get_for_model(obj)
    return f"/admin/ohms/transition/{ct.pk}/{obj.pk}/{name}/"


def admin_post(user, url, data=None):
    """POST through the admin (session), follow back; return the messages shown."""
    response = login(user).post(url, {"next": "/admin/", **(data or {})}, follow=True)
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


def _library_point_on(w, pid, status="isolated"):
    return orm_point(w, pid, status=status, library_point=w.point)


# --- 1. isolation points: every transition has its permission and gates -----------------
@pytest.mark.parametrize("role", ["auditor", "worker"])
@pytest.mark.parametrize(("name", "start"), [("isolate", "assigned"), ("verify", "isolated"), ("deisolate", "verified"),
                                             ("cancel", "isolated")])
def test_generic_admin_url_refuses_isolation_point_transitions_to_readers(w, role, name, start):
    pid = w.create_permit()["id"]
    set_status(pid, "active")
    point = _library_point_on(w, pid, status=start)
    reader = testing.make_member(w.org, role)
    msgs = admin_post(reader, generic_url(point, name), {"ohms_transition_comment": "x"})
    assert any("Only the" in m for m in msgs), msgs
    point.refresh_from_db()
    assert point.status == start and point.version == 1
    assert not TransitionLog.objects.filter(object_id=str(point.pk)).exists()
    assert not LotoLog.objects.filter(permit_id=pid).exists()


def test_generic_admin_url_runs_the_isolation_service_for_an_allowed_user(w):
    pid = w.create_permit()["id"]
    set_status(pid, "pending_approval")
    point = _library_point_on(w, pid, status="assigned")
    msgs = admin_post(w.issuer, generic_url(point, "isolate"))
    point.refresh_from_db()
    assert point.status == "isolated", msgs
    assert point.lock_applied and point.lock_count == 1 and point.isolated_by == w.issuer
    # The service ran: LOTO log and permit audit, the same as through REST or the permit screen.
    assert LotoLog.objects.filter(isolation_point=point, action="active").count() == 1
    assert Permit.objects.get(pk=pid).audits.filter(action="isolation_isolate").count() == 1


def test_generic_admin_url_refuses_points_of_a_closed_permit(w):
    pid = w.create_permit()["id"]
    point = _library_point_on(w, pid)
    set_status(pid, "cancelled")
    msgs = admin_post(w.issuer, generic_url(point, "verify"))
    assert any("can no longer change" in m for m in msgs), msgs
    assert PermitIsolationPoint.objects.get(pk=point.pk).status == "isolated"


def _shared_pair(w):
    """Two active permits on MCC-01: the first put its locks on it, the second relies on them."""
    first = w.create_permit(**window(0))["id"]
    second = w.create_permit(**window(1), location="Broyeur 2")["id"]
    points = {}
    for pid, locked in ((first, True), (second, False)):
        points[pid] = orm_point(w, pid, status="verified", library_point=w.point)
        if locked:
            PermitIsolationPoint.objects.filter(pk=points[pid].pk).update(lock_applied=True, lock_count=1, lock_ids=["L-1"])
        set_status(pid, "active")
    return first, second, points


def _deisolate_rest(w, pid, point):
    r = point_action(w, pid, point.pk, "deisolate")
    assert r.status_code == 400
    return r.json()["errors"]["isolation"]["codes"]


def _deisolate_admin_tab(w, pid, point):
    msgs = admin_post(w.issuer, f"{ADMIN}{pid}/isolation/{point.pk}/deisolate/")
    return ["isolation_point_shared"] if any("Still relied on by" in m for m in msgs) else msgs


def _deisolate_generic(w, pid, point):
    msgs = admin_post(w.issuer, generic_url(point, "deisolate"))
    return ["isolation_point_shared"] if any("Still relied on by" in m for m in msgs) else msgs


@pytest.mark.parametrize("path", [_deisolate_rest, _deisolate_admin_tab, _deisolate_generic],
                         ids=["rest", "admin_tab", "generic_admin_url"])
def test_deisolating_a_point_another_live_permit_relies_on_is_refused_on_every_path(w, path):
    first, second, points = _shared_pair(w)
    assert path(w, first, points[first]) == ["isolation_point_shared"]
    assert PermitIsolationPoint.objects.get(pk=points[first].pk).status == "verified"
    assert not LotoLog.objects.filter(permit_id=first).exists()
    # Cancelling the point would take the same locks off: refused too.
    msgs = admin_post(w.admin, generic_url(points[first], "cancel"), {"ohms_transition_comment": "x"})
    assert any("Still relied on by" in m for m in msgs), msgs
    assert PermitIsolationPoint.objects.get(pk=points[first].pk).status == "verified"


def test_lock_count_out_of_range_is_400_not_500(w):
    pid = w.create_permit()["id"]
    set_status(pid, "pending_approval")
    point_id = assign(w, pid, library_point=w.point).json()["id"]
    for count in (40000, 101, -1):
        r = point_action(w, pid, point_id, "isolate", lock_count=count)
        assert r.status_code == 400, (count, r.content)
        assert "lock_count" in r.json()["errors"]
    assert PermitIsolationPoint.objects.get(pk=point_id).status == "assigned"


# --- 2. segregation of duties ------------------------------------------------------------
def test_requester_cannot_name_themselves_verifier_or_approver(w):
    pid = w.create_permit(verifier=w.requester.pk, approver=w.requester.pk)["id"]
    r = w.client(w.requester).post(purl(pid, "workflow/initiate"), {}, format="json")
    assert r.status_code == 400
    assert r.json()["errors"]["workflow"]["codes"] == ["requester_is_verifier", "requester_is_approver", "verifier_is_approver"]
    assert status_of(pid) == "draft"


def test_requester_with_admin_role_cannot_verify_or_approve_their_own_permit(w):
    boss = testing.make_member(w.org, "org_admin")
    r = w.client(boss).post("/api/v1/ptw/permits/", w.permit_payload(), format="json")
    pid = r.json()["id"]
    assert w.client(boss).post(purl(pid, "workflow/initiate"), {}, format="json").status_code == 200
    r = w.client(boss).post(purl(pid, "workflow/verify"), {"decision": "approve"}, format="json")
    assert r.status_code == 403
    assert r.json()["errors"]["reasons"][0]["code"] == "requester_is_verifier"
    assert status_of(pid) == "pending_verification"
    # The same through update_status and the generic transitions endpoint.
    assert update_status(w, pid, "pending_approval", user=boss).status_code == 403
    assert w.client(boss).post(purl(pid, "transitions/verify"), {}, format="json").status_code == 403
    r = w.client(w.verifier).post(purl(pid, "workflow/verify"), {"decision": "approve"}, format="json")
    assert r.status_code == 200, r.json()
    r = w.client(boss).post(purl(pid, "workflow/approve"), {"decision": "approve"}, format="json")
    assert r.status_code == 403 and r.json()["errors"]["reasons"][0]["code"] == "requester_is_approver"
    assert status_of(pid) == "pending_approval"


def test_whoever_verified_cannot_approve(w):
    boss = testing.make_member(w.org, "org_admin")
    pid = w.create_permit(requires_isolation=False)["id"]
    assert w.client(w.requester).post(purl(pid, "workflow/initiate"), {}, format="json").status_code == 200
    assert w.client(boss).post(purl(pid, "workflow/verify"), {"decision": "approve"}, format="json").status_code == 200
    r = w.client(boss).post(purl(pid, "workflow/approve"), {"decision": "approve"}, format="json")
    assert r.status_code == 403
    assert r.json()["errors"]["reasons"][0]["code"] == "verifier_is_approver"
    assert status_of(pid) == "pending_approval"


def test_verifier_as_approver_only_where_the_permit_type_allows_it(w):
    pid = w.create_permit(approver=w.verifier.pk)["id"]
    r = w.client(w.requester).post(purl(pid, "workflow/initiate"), {}, format="json")
    assert r.status_code == 400 and r.json()["errors"]["workflow"]["codes"] == ["verifier_is_approver"]

    PermitType.objects.filter(pk=w.permit_type.pk).update(allow_verifier_as_approver=True)
    r = w.client(w.requester).post(purl(pid, "workflow/initiate"), {}, format="json")
    assert r.status_code == 200, r.json()
    r = w.client(w.verifier).post(purl(pid, "workflow/verify"), {"decision": "approve"}, format="json")
    assert r.status_code == 200, r.json()
    options = {o["name"]: o for o in w.client(w.verifier).get(purl(pid, "transitions")).json()}
    assert "verifier_is_approver" not in [r["code"] for r in options["approve"]["reasons"]]


def test_the_setting_never_lets_the_requester_verify(w):
    PermitType.objects.filter(pk=w.permit_type.pk).update(allow_verifier_as_approver=True)
    pid = w.create_permit(verifier=w.requester.pk)["id"]
    r = w.client(w.requester).post(purl(pid, "workflow/initiate"), {}, format="json")
    assert r.status_code == 400 and r.json()["errors"]["workflow"]["codes"] == ["requester_is_verifier"]


def test_segregation_through_the_generic_admin_url(w):
    boss = testing.make_member(w.org, "org_admin")
    r = w.client(boss).post("/api/v1/ptw/permits/", w.permit_payload(), format="json")
    pid = r.json()["id"]
    assert w.client(boss).post(purl(pid, "workflow/initiate"), {}, format="json").status_code == 200
    permit = Permit.objects.get(pk=pid)
    msgs = admin_post(boss, generic_url(permit, "verify"))
    assert any("someone else must verify" in m for m in msgs), msgs
    assert status_of(pid) == "pending_verification"


# --- 5. system-only transitions -------------------------------------------------------------
def test_superuser_cannot_run_a_system_only_transition(w):
    root = testing.make_user(is_superuser=True, is_staff=True)
    with acting_as(organization=w.org):
        from ohms_core.services.tenancy import membership_upsert

        membership_upsert(organization=w.org, user=root, role="org_admin")
    pid = w.create_permit()["id"]
    set_status(pid, "active")
    r = w.client(root).post(purl(pid, "transitions/expire"), {}, format="json")
    assert r.status_code == 403 and r.json()["errors"]["reasons"][0]["code"] == "system_only"
    assert update_status(w, pid, "expired", user=root).status_code == 403
    options = {o["name"]: o for o in w.client(root).get(purl(pid, "transitions")).json()}
    assert options["expire"]["allowed"] is False and options["expire"]["system"] is True
    msgs = admin_post(root, generic_url(Permit.objects.get(pk=pid), "expire"))
    assert any("Only the system" in m for m in msgs), msgs
    assert status_of(pid) == "active"
    assert not TransitionLog.objects.filter(object_id=pid).exists()
    # Skipping the role check is not the system flag: still refused.
    with pytest.raises(NotAllowedError):
        workflow_services.permit_transition(instance=Permit.objects.get(pk=pid), name="expire", user=root,
                                            check_permission=False)
    assert status_of(pid) == "active"
    # Jobs run it with the explicit flag.
    workflow_services.permit_transition(instance=Permit.objects.get(pk=pid), name="expire", user=None, system=True)
    assert status_of(pid) == "expired"


# --- 3. the closed-permit guard on every write -----------------------------------------------
def test_closed_permit_takes_no_signature_photo_or_closeout_change(w):
    pid = w.create_permit()["id"]
    set_status(pid, "active")
    w.client(w.issuer).get(purl(pid, "closeout"))  # the closeout record exists
    set_status(pid, "completed")
    r = w.client(w.issuer).post(purl(pid, "sign"), {"meaning": "issuer", "password": PASSWORD}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "permit_closed"
    photo = SimpleUploadedFile("p.png", PNG, content_type="image/png")
    r = w.client(w.issuer).post("/api/v1/ptw/permit-photos/", {"permit": pid, "photo_type": "after", "file": photo,
                                                               "taken_at": "2026-11-22T08:00:00Z"},
                                format="multipart")
    assert r.status_code == 400 and r.json()["code"] == "permit_closed", r.json()
    r = w.client(w.issuer).post(purl(pid, "update_closeout"), {"checklist": {"tools_removed": True}}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "permit_closed"
    assert PermitCloseout.objects.get(permit_id=pid).checklist == {}


# --- 4. input errors are 400, every write has its audit row ------------------------------------
@pytest.mark.parametrize(("gas", "value"), [("H2S", "-3"), ("O2", "150"), ("LEL", "101"), ("CO", "-0.1")])
def test_impossible_gas_values_are_400_and_never_safe(w, gas, value):
    pid = w.create_permit()["id"]
    r = api_gas(w, pid, gas, value)
    assert r.status_code == 400 and "value" in r.json()["errors"]
    assert not GasReading.objects.filter(permit_id=pid).exists()


def test_gas_reading_is_saved_once(w):
    pid = w.create_permit()["id"]
    r = api_gas(w, pid, "O2", "20.9")
    assert r.status_code == 201 and r.json()["safe"] is True
    reading = GasReading.objects.get(pk=r.json()["id"])
    assert reading.history.count() == 1
    assert AuditLog.objects.filter(object_id=str(reading.pk)).count() == 1


def test_extension_decision_and_closeout_completion_have_audit_rows(w):
    plain = PtwWorld("AUD", requires_gas_testing=False, requires_structured_isolation=False,
                     requires_deisolation_on_closeout=False)
    pid = plain.create_permit()["id"]
    set_status(pid, "active")
    new_end = (Permit.objects.get(pk=pid).planned_end_time + timedelta(hours=1)).isoformat()
    r = plain.client(plain.issuer).post(purl(pid, "extend"), {"new_end_time": new_end, "reason": "Retard"}, format="json")
    assert r.status_code == 201 and r.json()["status"] == "requested"
    r = plain.client(plain.approver).post(purl(pid, "decide_extension"),
                                          {"extension": r.json()["id"], "decision": "approve"}, format="json")
    assert r.status_code == 200, r.json()
    extension = PermitExtension.objects.get(pk=r.json()["id"])
    assert AuditLog.objects.filter(object_id=str(extension.pk), action="update").count() == 1
    permit_rows = AuditLog.objects.filter(object_id=pid, action="update")
    assert any("planned_end_time" in (row.changes or {}) for row in permit_rows)

    r = plain.client(plain.issuer).post(purl(pid, "update_closeout"),
                                        {"checklist": {"tools_removed": True, "area_clean": True}}, format="json")
    assert r.status_code == 200, r.json()
    r = plain.client(plain.issuer).post(purl(pid, "complete_closeout"), {}, format="json")
    assert r.status_code == 200 and r.json()["completed"] is True
    closeout = PermitCloseout.objects.get(permit_id=pid)
    rows = AuditLog.objects.filter(object_id=str(closeout.pk), action="update")
    assert any("completed" in (row.changes or {}) for row in rows)


# --- 6. add-on settings ----------------------------------------------------------------------
def test_ptw_settings_have_defaults_and_can_be_overridden(w, settings):
    from .. import conf

    assert conf.approval_sla_hours() == 4
    settings.PTW_VERIFICATION_SLA_HOURS = 9
    pid = w.create_permit()["id"]
    assert w.client(w.requester).post(purl(pid, "workflow/initiate"), {}, format="json").status_code == 200
    step = Permit.objects.get(pk=pid).workflow.current_step
    assert timedelta(hours=8, minutes=59) < step.due_at - timezone.now() <= timedelta(hours=9)


def test_closeout_has_one_output_shape(w):
    pid = w.create_permit()["id"]
    set_status(pid, "active")
    got = w.client(w.issuer).get(purl(pid, "closeout")).json()
    updated = w.client(w.issuer).post(purl(pid, "update_closeout"), {"checklist": {"tools_removed": True}}, format="json")
    assert updated.status_code == 200, updated.json()
    assert set(got) == set(updated.json()) and updated.json()["template_exists"] is True


def test_the_api_says_comment_in_and_out(w):
    pid = w.create_permit()["id"]
    r = w.client(w.requester).post(purl(pid, "workflow/initiate"), {"comment": "Prêt"}, format="json")
    assert r.status_code == 200, r.json()
    rows = w.client(w.requester).get("/api/v1/ptw/permit-audits/", {"permit": pid, "action": "initiate_workflow"}).json()
    assert [row["comment"] for row in rows["results"]] == ["Prêt"]
    assert "comments" not in rows["results"][0]
