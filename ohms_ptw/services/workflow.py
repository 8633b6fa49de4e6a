"""Permit workflow: every status change (the core transition plus PermitAudit and the
verification / approval steps) and the workflow endpoints built on it."""
from __future__ import annotations

import functools
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core import events, workflows
from ohms_core.exceptions import BusinessRuleError
from ohms_core.services.records import record_create, record_update

from .. import conf
from ..models import Permit, WorkflowInstance, WorkflowStep
from ..states import PermitStatus, StepStatus, StepType, WorkflowState
from .audit import permit_audit
from .reminders import permit_closeout_required_emit, permit_isolation_pending_emit


def _sla(step_type):
    hours = conf.verification_sla_hours() if step_type == StepType.VERIFICATION else conf.approval_sla_hours()
    return timezone.now() + timedelta(hours=hours)


def reassign_pending_step(permit, data, user):
    """A new verifier/approver named while their step is pending takes the step over, so
    "only the assigned person may act" means the same person on the permit and the step."""
    field = {StepType.VERIFICATION: "verifier", StepType.APPROVAL: "approver"}
    instance = WorkflowInstance.objects.filter(permit=permit).select_related("current_step").first()
    step = instance.current_step if instance else None
    if step is None or step.status != StepStatus.PENDING:
        return
    name = field.get(step.step_type)
    person = data.get(name)
    if name in data and person is not None and person.pk != step.assignee_id:
        previous = step.assignee_id
        record_update(instance=step, user=user,
                      data={"assignee": person, "assigned_at": timezone.now(), "due_at": _sla(step.step_type)})
        permit_audit(permit=permit, action=f"{name}_reassigned", user=user, data={"from": previous, "to": person.pk})
        events.emit(f"ptw.permit.{name}_assigned", permit, actor=user,
                    data={"permit_number": permit.permit_number, "recipients": [person.pk]})


def _cancel_pending_steps(instance, user):
    """One by one through the record service (history and audit), never ``queryset.update()``."""
    for step in instance.steps.filter(status=StepStatus.PENDING):
        record_update(instance=step, user=user, data={"status": StepStatus.CANCELLED})


def _new_step(permit, instance, step_type, order, assignee_id, user):
    return record_create(model=WorkflowStep, organization=permit.organization, user=user, data={
        "workflow": instance, "step_type": step_type, "order": order, "assignee_id": assignee_id,
        "assigned_at": timezone.now(), "due_at": _sla(step_type)})


def _workflow_bookkeeping(permit, name, user, comment):
    now = timezone.now()
    instance = WorkflowInstance.objects.filter(permit=permit).first()
    if name == "initiate_workflow":
        if instance is None:
            instance = record_create(model=WorkflowInstance, organization=permit.organization, user=user,
                                     data={"permit": permit, "started_at": now})
        else:
            _cancel_pending_steps(instance, user)
        order = (instance.steps.order_by("-order").values_list("order", flat=True).first() or 0) + 1
        verification = _new_step(permit, instance, StepType.VERIFICATION, order, permit.verifier_id, user)
        record_update(instance=instance, user=user, data={"state": WorkflowState.ACTIVE, "started_at": now,
                                                          "completed_at": None, "current_step": verification})
        return
    if instance is None:
        return
    step = instance.current_step
    if name in ("verify", "approve", "reject_verification", "reject") and step is not None and step.status == StepStatus.PENDING:
        approved = name in ("verify", "approve")
        step = record_update(instance=step, user=user, data={
            "status": StepStatus.APPROVED if approved else StepStatus.REJECTED, "decision": "approve" if approved else "reject",
            "completed_at": now, "comments": comment or ""})
        if name == "verify":
            approval = _new_step(permit, instance, StepType.APPROVAL, step.order + 1, permit.approver_id, user)
            record_update(instance=instance, user=user, data={"current_step": approval})
        else:
            record_update(instance=instance, user=user, data={
                "state": WorkflowState.COMPLETED if name == "approve" else WorkflowState.REJECTED,
                "current_step": None, "completed_at": now})
    elif name == "cancel" and instance.state == WorkflowState.ACTIVE:
        _cancel_pending_steps(instance, user)
        record_update(instance=instance, user=user,
                      data={"state": WorkflowState.CANCELLED, "current_step": None, "completed_at": now})


def permit_transition(*, instance, name: str, user, comment: str = "", expected_version=None, check_permission=True,
                      before_save=None, system: bool = False):
    """Every permit status change: the core transition (lock, version, permission, gates,
    log, history, audit, event) plus PermitAudit and the workflow steps, in one transaction.
    ``system=True``: a job runs a system-only transition (expiry)."""
    def after_save(permit):
        _workflow_bookkeeping(permit, name, user, comment)
        permit_audit(permit=permit, action=name, user=user, comments=comment)
        if name == "activate":  # SPEC 2.8: closeout required on the move to active
            permit_closeout_required_emit(permit=permit, user=user)

    try:
        return workflows.transition_run(instance=instance, name=name, user=user, comment=comment,
                                        expected_version=expected_version, check_permission=check_permission,
                                        before_save=before_save, after_save=after_save, system=system,
                                        event_data={"permit_number": instance.permit_number})
    except BusinessRuleError as exc:
        isolation = exc.errors.get("isolation") if exc.code == "transition_blocked" else None
        if isolation and name in ("approve", "activate", "resume"):  # SPEC 2.8: isolation pending
            permit_isolation_pending_emit(permit=instance, user=user, items=isolation.get("missing_items") or ())
        raise


TRANSITION_NAMES = ("submit", "initiate_workflow", "verify", "reject_verification", "approve", "reject", "mark_under_review",
                    "end_review", "activate", "suspend", "resume", "complete", "cancel", "expire", "mark_obsolete")


def transition_services() -> dict:
    return {name: functools.partial(permit_transition, name=name) for name in TRANSITION_NAMES}


def workflow_initiate(*, permit, user, verifier=None, approver=None, comment: str = "") -> Permit:
    """T2 (POST .../workflow/initiate/): optional verifier/approver, then pending_verification."""
    with transaction.atomic():
        changes = {k: v for k, v in (("verifier", verifier), ("approver", approver)) if v is not None}
        if changes:
            permit = record_update(instance=permit, data=changes, user=user)
            for person_field, person in changes.items():
                permit_audit(permit=permit, action=f"{person_field}_assigned", user=user, data={"user": person.pk})
                events.emit(f"ptw.permit.{person_field}_assigned", permit, actor=user,
                            data={"permit_number": permit.permit_number, "recipients": [person.pk]})
        return permit_transition(instance=permit, name="initiate_workflow", user=user, comment=comment)


def workflow_decide(*, permit, user, stage: str, decision: str, comment: str = "", expected_version=None) -> Permit:
    """T4/T5 (verify) and T6/T7 (approve) with {"decision": "approve" | "reject"}."""
    names = {("verify", "approve"): "verify", ("verify", "reject"): "reject_verification",
             ("approve", "approve"): "approve", ("approve", "reject"): "reject"}
    if decision not in ("approve", "reject"):
        raise ValidationError({"decision": [_('Use "approve" or "reject".')]})
    return permit_transition(instance=permit, name=names[(stage, decision)], user=user, comment=comment,
                             expected_version=expected_version)


STATUS_TO_TRANSITION = {
    PermitStatus.SUBMITTED: "submit", PermitStatus.PENDING_VERIFICATION: "initiate_workflow",
    PermitStatus.PENDING_APPROVAL: "verify", PermitStatus.APPROVED: "approve", PermitStatus.ACTIVE: "activate",
    PermitStatus.SUSPENDED: "suspend", PermitStatus.COMPLETED: "complete", PermitStatus.CANCELLED: "cancel",
    PermitStatus.UNDER_REVIEW: "mark_under_review", PermitStatus.OBSOLETE: "mark_obsolete", PermitStatus.EXPIRED: "expire",
}


def permit_update_status(*, permit, user, status: str, comment: str = "", expected_version=None) -> Permit:
    """``update_status {status}``: find the transition from the current state to ``status``."""
    name = STATUS_TO_TRANSITION.get(status)
    if permit.status == PermitStatus.SUSPENDED and status == PermitStatus.ACTIVE:
        name = "resume"
    elif permit.status == PermitStatus.UNDER_REVIEW and status == PermitStatus.PENDING_APPROVAL:
        name = "end_review"
    elif permit.status == PermitStatus.PENDING_APPROVAL and status == PermitStatus.REJECTED:
        name = "reject"
    elif permit.status == PermitStatus.PENDING_VERIFICATION and status == PermitStatus.REJECTED:
        name = "reject_verification"
    if name is None:
        raise ValidationError({"status": [_("No transition leads to “%(s)s”.") % {"s": status}]})
    return permit_transition(instance=permit, name=name, user=user, comment=comment, expected_version=expected_version)
