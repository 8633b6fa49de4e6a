"""SPEC 2.3/2.4: the workflow steps behind initiate / verify / approve / reject / cancel, and
the other status changes (T12) through update_status and the core transitions endpoint."""
from datetime import timedelta

import pytest
from django.utils import timezone

from ohms_core import testing
from ohms_core.models import Event, TransitionLog

from ..models import Permit, PermitAudit, WorkflowInstance, WorkflowStep
from .helpers import approve, purl, set_status, status_of, to_pending_approval, update_status

pytestmark = pytest.mark.django_db


def _initiate(w, pid, user=None, **body):
    return w.client(user or w.requester).post(purl(pid, "workflow/initiate"), body, format="json")


def _verify(w, pid, decision="approve", **extra):
    return w.client(w.verifier).post(purl(pid, "workflow/verify"), {"decision": decision, **extra}, format="json")


def _transition(w, pid, name, user, **body):
    return w.client(user).post(purl(pid, f"transitions/{name}"), body, format="json")


def _steps(pid):
    return list(WorkflowStep.objects.filter(workflow__permit_id=pid).order_by("order")
                .values_list("step_type", "status", "assignee_id", "decision"))


def test_initiate_opens_a_pending_verification_step_for_the_verifier(w):
    pid = w.create_permit()["id"]
    before = timezone.now()
    r = _initiate(w, pid, comment="Prêt")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "pending_verification" and r.json()["submitted_at"]
    instance = WorkflowInstance.objects.get(permit_id=pid)
    assert instance.state == "active" and instance.started_at >= before
    step = instance.current_step
    assert (step.step_type, step.status, step.assignee, step.order) == ("verification", "pending", w.verifier, 1)
    assert timedelta(hours=3, minutes=59) < step.due_at - step.assigned_at <= timedelta(hours=4, seconds=1)
    assert _steps(pid) == [("verification", "pending", w.verifier.pk, "")]
    assert TransitionLog.objects.get(object_id=pid).comment == "Prêt"


def test_initiate_can_name_the_verifier_and_approver(w):
    pid = w.create_permit(verifier=None, approver=None)["id"]
    r = _initiate(w, pid)
    assert r.status_code == 400
    assert r.json()["errors"]["workflow"]["codes"] == ["workflow_people_missing"]
    assert sorted(r.json()["errors"]["workflow"]["missing_items"]) == ["approver", "verifier"]
    assert status_of(pid) == "draft" and not WorkflowInstance.objects.filter(permit_id=pid).exists()

    other_verifier = testing.make_member(w.org, "verifier")
    r = _initiate(w, pid, verifier=other_verifier.pk, approver=w.approver.pk)
    assert r.status_code == 200, r.json()
    assert r.json()["verifier"] == other_verifier.pk and r.json()["approver"] == w.approver.pk
    assert _steps(pid) == [("verification", "pending", other_verifier.pk, "")]
    assert {"verifier_assigned", "approver_assigned"} <= set(PermitAudit.objects.filter(permit_id=pid).values_list("action", flat=True))
    assert Event.objects.filter(type="ptw.permit.verifier_assigned", object_id=pid).count() == 1

    outsider = testing.make_user()
    r = _initiate(w, w.create_permit()["id"], verifier=outsider.pk)
    assert r.status_code == 400 and "verifier" in r.json()["errors"]


def test_only_the_requester_or_managers_may_initiate(w):
    pid = w.create_permit()["id"]
    r = _initiate(w, pid, user=w.verifier)
    assert r.status_code == 403
    assert status_of(pid) == "draft"


def test_verify_closes_the_step_and_opens_approval_for_the_approver(w):
    pid = w.create_permit()["id"]
    _initiate(w, pid)
    r = _verify(w, pid, comment="Analyse de risque OK")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "pending_approval" and r.json()["verified_at"]
    assert _steps(pid) == [("verification", "approved", w.verifier.pk, "approve"), ("approval", "pending", w.approver.pk, "")]
    verification = WorkflowStep.objects.get(workflow__permit_id=pid, step_type="verification")
    assert verification.comments == "Analyse de risque OK" and verification.completed_at is not None
    instance = WorkflowInstance.objects.get(permit_id=pid)
    assert instance.current_step.step_type == "approval" and instance.state == "active"


def test_approve_completes_the_workflow(plain):
    w = plain
    pid = w.create_permit()["id"]
    to_pending_approval(w, pid)
    r = approve(w, pid, comment="Bon pour travaux")
    assert r.status_code == 200, r.json()
    assert _steps(pid)[-1] == ("approval", "approved", w.approver.pk, "approve")
    instance = WorkflowInstance.objects.get(permit_id=pid)
    assert instance.state == "completed" and instance.current_step is None and instance.completed_at


def test_reject_at_verification_needs_a_comment(w):
    pid = w.create_permit()["id"]
    _initiate(w, pid)
    r = _verify(w, pid, decision="reject")
    assert r.status_code == 400 and r.json()["code"] == "comment_required"
    assert "comment" in r.json()["errors"]
    assert status_of(pid) == "pending_verification" and _steps(pid)[0][1] == "pending"

    r = _verify(w, pid, decision="reject", comment="Analyse de risque incomplète")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "rejected"
    assert _steps(pid) == [("verification", "rejected", w.verifier.pk, "reject")]
    instance = WorkflowInstance.objects.get(permit_id=pid)
    assert instance.state == "rejected" and instance.current_step is None
    assert TransitionLog.objects.get(object_id=pid, transition="reject_verification").comment == "Analyse de risque incomplète"


def test_reject_at_approval(w):
    pid = w.create_permit()["id"]
    to_pending_approval(w, pid)
    r = approve(w, pid, decision="reject")
    assert r.status_code == 400 and r.json()["code"] == "comment_required"
    r = approve(w, pid, decision="reject", comment="Méthode de travail à revoir")
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert _steps(pid)[-1] == ("approval", "rejected", w.approver.pk, "reject")
    # Rejection is not gated (gas and isolation are missing here).
    r = approve(w, pid, decision="maybe")
    assert r.status_code == 400 and "decision" in r.json()["errors"]


def test_only_the_assigned_people_decide(w):
    pid = w.create_permit()["id"]
    _initiate(w, pid)
    other_verifier = testing.make_member(w.org, "verifier")
    r = w.client(other_verifier).post(purl(pid, "workflow/verify"), {"decision": "approve"}, format="json")
    assert r.status_code == 403 and "assigned verifier" in r.json()["detail"]
    _verify(w, pid)
    r = w.client(w.verifier).post(purl(pid, "workflow/approve"), {"decision": "reject", "comment": "x"}, format="json")
    assert r.status_code == 403 and "assigned approver" in r.json()["detail"]
    assert status_of(pid) == "pending_approval"


def test_cancel_cancels_pending_steps(w):
    pid = w.create_permit()["id"]
    to_pending_approval(w, pid)
    r = update_status(w, pid, "cancelled", user=w.requester)
    assert r.status_code == 400 and r.json()["code"] == "comment_required"
    r = update_status(w, pid, "cancelled", user=w.requester, comment="Arrêt de l'usine reporté")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "cancelled"
    assert _steps(pid) == [("verification", "approved", w.verifier.pk, "approve"),
                           ("approval", "cancelled", w.approver.pk, "")]
    instance = WorkflowInstance.objects.get(permit_id=pid)
    assert instance.state == "cancelled" and instance.current_step is None
    # Final: nothing more.
    r = update_status(w, pid, "pending_verification", user=w.requester)
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"


def test_cancel_is_refused_to_the_verifier(w):
    pid = w.create_permit()["id"]
    _initiate(w, pid)
    r = update_status(w, pid, "cancelled", user=w.verifier, comment="Non")
    assert r.status_code == 403
    assert status_of(pid) == "pending_verification"


def test_submit_then_initiate(w):
    pid = w.create_permit()["id"]
    r = update_status(w, pid, "submitted", user=w.requester)
    assert r.status_code == 200 and r.json()["status"] == "submitted" and r.json()["submitted_at"]
    submitted_at = r.json()["submitted_at"]
    r = _initiate(w, pid)
    assert r.status_code == 200 and r.json()["status"] == "pending_verification"
    assert r.json()["submitted_at"] == submitted_at  # kept from the submission


def test_suspend_and_resume(plain):
    w = plain
    pid = w.create_permit()["id"]
    set_status(pid, "active")
    r = update_status(w, pid, "suspended")
    assert r.status_code == 400 and r.json()["code"] == "comment_required"
    r = update_status(w, pid, "suspended", comment="Orage")
    assert r.status_code == 200 and r.json()["status"] == "suspended"
    r = update_status(w, pid, "active")
    assert r.status_code == 200 and r.json()["status"] == "active"
    logs = list(TransitionLog.objects.filter(object_id=pid).order_by("timestamp").values_list("transition", "to_state"))
    assert logs == [("suspend", "suspended"), ("resume", "active")]
    assert {"suspend", "resume"} <= set(PermitAudit.objects.filter(permit_id=pid).values_list("action", flat=True))
    # The requester (not issuer / area / approver) may not suspend.
    r = update_status(w, pid, "suspended", user=w.requester, comment="x")
    assert r.status_code == 403 and status_of(pid) == "active"


def test_resume_clears_the_suspension_reason(plain):
    w = plain
    pid = w.create_permit()["id"]
    set_status(pid, "active")
    Permit.objects.filter(pk=pid).update(suspension_reason="Gaz")
    set_status(pid, "suspended")
    r = _transition(w, pid, "resume", w.area)
    assert r.status_code == 200, r.json()
    assert r.json()["suspension_reason"] == "" and status_of(pid) == "active"


def test_under_review_and_back_through_the_transitions_endpoint(w):
    pid = w.create_permit()["id"]
    to_pending_approval(w, pid)
    r = _transition(w, pid, "mark_under_review", w.approver)
    assert r.status_code == 400 and r.json()["code"] == "comment_required"
    r = _transition(w, pid, "mark_under_review", w.approver, comment="Avis du service électrique")
    assert r.status_code == 200 and r.json()["status"] == "under_review"
    assert _transition(w, pid, "end_review", w.requester).status_code == 403
    r = _transition(w, pid, "end_review", w.verifier)
    assert r.status_code == 200 and r.json()["status"] == "pending_approval"


def test_under_review_and_back_through_update_status(w):
    pid = w.create_permit()["id"]
    _initiate(w, pid)
    r = update_status(w, pid, "under_review", user=w.verifier, comment="Question")
    assert r.status_code == 200 and r.json()["status"] == "under_review"
    r = update_status(w, pid, "pending_approval", user=w.approver)
    assert r.status_code == 200 and r.json()["status"] == "pending_approval"


def test_mark_obsolete_from_draft_and_rejected(w):
    draft = w.create_permit()["id"]
    r = update_status(w, draft, "obsolete", user=w.requester)
    assert r.status_code == 200 and r.json()["status"] == "obsolete"
    rejected = w.create_permit()["id"]
    set_status(rejected, "rejected")
    r = _transition(w, rejected, "mark_obsolete", w.requester)
    assert r.status_code == 200 and r.json()["status"] == "obsolete"
    active = w.create_permit()["id"]
    set_status(active, "active")
    r = update_status(w, active, "obsolete", user=w.admin)
    assert r.status_code == 409 and status_of(active) == "active"


@pytest.mark.parametrize("via", ["update_status", "transitions"])
def test_expire_is_refused_to_users(w, via):
    pid = w.create_permit()["id"]
    set_status(pid, "active")
    if via == "update_status":
        r = update_status(w, pid, "expired", user=w.admin)
    else:
        r = _transition(w, pid, "expire", w.admin)
    assert r.status_code == 403
    assert r.json()["detail"].startswith("Only the system")
    assert status_of(pid) == "active"
    assert not TransitionLog.objects.filter(object_id=pid).exists()


def test_update_status_unknown_or_impossible_target(w):
    pid = w.create_permit()["id"]
    r = update_status(w, pid, "flying", user=w.requester)
    assert r.status_code == 400 and "status" in r.json()["errors"]
    r = update_status(w, pid, "completed", user=w.requester)
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"
    r = _transition(w, pid, "fly", w.admin)
    assert r.status_code == 400 and r.json()["code"] == "unknown_transition"
    assert status_of(pid) == "draft"


def test_transitions_listing_explains_what_the_user_may_do(w):
    pid = w.create_permit()["id"]
    _initiate(w, pid)
    options = {o["name"]: o for o in w.client(w.verifier).get(purl(pid, "transitions")).json()}
    assert options["verify"]["allowed"] is True
    assert options["reject_verification"]["comment_required"] is True
    options = {o["name"]: o for o in w.client(w.approver).get(purl(pid, "transitions")).json()}
    assert options["verify"]["allowed"] is False
    assert options["verify"]["reasons"][0]["code"] == "role"


def test_stale_version_is_409(w):
    pid = w.create_permit()["id"]
    r = w.client(w.requester).post(purl(pid, "update_status"), {"status": "submitted", "version": 7}, format="json")
    assert r.status_code == 409
    assert status_of(pid) == "draft"
