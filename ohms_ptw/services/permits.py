"""Permit use cases: create, update, transitions with their bookkeeping, gas readings,
extensions, signatures, crew."""
from __future__ import annotations

import functools
import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core import events, workflows
from ohms_core.exceptions import BusinessRuleError, NotAllowedError
from ohms_core.services.auth import password_check
from ohms_core.services.records import record_create, record_update
from ohms_core.workflows import Reason, blocked_errors

from .. import gates
from ..models import (
    DigitalSignature,
    GasReading,
    Permit,
    PermitExtension,
    PermitHazard,
    PermitPhoto,
    PermitWorker,
    RiskMatrix,
    WorkflowInstance,
    WorkflowStep,
)
from ..states import (
    FINAL_STATUSES,
    ExtensionStatus,
    PermitStatus,
    StepStatus,
    StepType,
    WorkflowState,
)
from .audit import permit_audit
from .numbering import permit_number_next

EDITABLE_STATUSES = {PermitStatus.DRAFT, PermitStatus.SUBMITTED, PermitStatus.REJECTED}


def _risk(permit, organization):
    matrix = permit.risk_matrix or RiskMatrix.objects.filter(organization=organization, is_active=True).order_by("-is_default", "created_at").first()
    if matrix is not None:
        permit.risk_matrix = matrix
        permit.risk_level = matrix.level_for(permit.likelihood, permit.severity)
    permit.risk_score = int(permit.likelihood) * int(permit.severity)


def _validate_times(data, permit_type):
    start, end = data.get("planned_start_time"), data.get("planned_end_time")
    if start and end:
        if end <= start:
            raise ValidationError({"planned_end_time": [_("The end must be after the start.")]})
        if permit_type and end - start > timedelta(hours=permit_type.max_validity_hours):
            raise ValidationError({"planned_end_time": [_("A %(type)s permit is valid %(h)s hours at most.")
                                                        % {"type": permit_type.name, "h": permit_type.max_validity_hours}]})


def permit_create(*, organization, data: dict, user) -> Permit:
    data = dict(data)
    permit_type = data.get("permit_type")
    _validate_times(data, permit_type)
    if permit_type is not None and permit_type.requires_isolation:
        data.setdefault("requires_isolation", True)
    with transaction.atomic():
        data["permit_number"] = permit_number_next(organization=organization)
        probe = Permit(organization=organization, **{k: v for k, v in data.items() if k in ("likelihood", "severity", "risk_matrix")})
        _risk(probe, organization)
        data.update(risk_matrix=probe.risk_matrix, risk_level=probe.risk_level, risk_score=probe.risk_score)
        permit = record_create(model=Permit, organization=organization, data=data, user=user)
        permit_audit(permit=permit, action="created", user=user)
        events.emit("ptw.permit.created", permit, actor=user, data={"permit_number": permit.permit_number})
    return permit


def permit_update(*, permit, data: dict, user, expected_version=None) -> Permit:
    if permit.status in FINAL_STATUSES:
        raise BusinessRuleError(_("A %(status)s permit can no longer be changed.") % {"status": permit.get_status_display()},
                                code="permit_closed")
    locked_fields = {"permit_type", "project"} & set(data)
    if locked_fields and permit.status not in EDITABLE_STATUSES:
        raise BusinessRuleError(_("Type and project can only change before the workflow starts."), code="permit_locked")
    merged = {"planned_start_time": data.get("planned_start_time", permit.planned_start_time),
              "planned_end_time": data.get("planned_end_time", permit.planned_end_time)}
    if ("planned_end_time" in data or "planned_start_time" in data) and permit.status not in EDITABLE_STATUSES:
        raise BusinessRuleError(_("Use an extension to change the end time of a permit in progress."), code="use_extension")
    _validate_times(merged, data.get("permit_type", permit.permit_type))
    with transaction.atomic():
        if {"likelihood", "severity", "risk_matrix"} & set(data):
            probe = Permit(organization=permit.organization, likelihood=data.get("likelihood", permit.likelihood),
                           severity=data.get("severity", permit.severity), risk_matrix=data.get("risk_matrix", permit.risk_matrix))
            _risk(probe, permit.organization)
            data.update(risk_matrix=probe.risk_matrix, risk_level=probe.risk_level, risk_score=probe.risk_score)
        updated = record_update(instance=permit, data=data, expected_version=expected_version, user=user)
        permit_audit(permit=updated, action="updated", user=user, data={"fields": sorted(data)})
        _reassign_pending_step(updated, data, user)
    return updated


def _reassign_pending_step(permit, data, user):
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
        step.assignee, step.assigned_at, step.due_at = person, timezone.now(), _sla(step.step_type)
        step.save()
        permit_audit(permit=permit, action=f"{name}_reassigned", user=user, data={"from": previous, "to": person.pk})
        events.emit(f"ptw.permit.{name}_assigned", permit, actor=user,
                    data={"permit_number": permit.permit_number, "recipients": [person.pk]})


# --- transitions ----------------------------------------------------------------------
def _sla(step_type):
    hours = settings.PTW_VERIFICATION_SLA_HOURS if step_type == StepType.VERIFICATION else settings.PTW_APPROVAL_SLA_HOURS
    return timezone.now() + timedelta(hours=hours)


def _workflow_bookkeeping(permit, name, user, comment):
    now = timezone.now()
    instance = WorkflowInstance.objects.filter(permit=permit).first()
    if name == "initiate_workflow":
        if instance is None:
            instance = WorkflowInstance.objects.create(organization_id=permit.organization_id, permit=permit, started_at=now)
        else:
            instance.steps.filter(status=StepStatus.PENDING).update(status=StepStatus.CANCELLED)
            instance.state, instance.started_at, instance.completed_at = WorkflowState.ACTIVE, now, None
        order = (instance.steps.order_by("-order").values_list("order", flat=True).first() or 0) + 1
        verification = WorkflowStep.objects.create(
            organization_id=permit.organization_id, workflow=instance, step_type=StepType.VERIFICATION, order=order,
            assignee_id=permit.verifier_id, assigned_at=now, due_at=_sla(StepType.VERIFICATION))
        instance.current_step = verification
        instance.save()
        return
    if instance is None:
        return
    step = instance.current_step
    if name in ("verify", "approve", "reject_verification", "reject") and step is not None and step.status == StepStatus.PENDING:
        approved = name in ("verify", "approve")
        step.status = StepStatus.APPROVED if approved else StepStatus.REJECTED
        step.decision = "approve" if approved else "reject"
        step.completed_at, step.comments = now, comment or ""
        step.save()
        if name == "verify":
            approval = WorkflowStep.objects.create(
                organization_id=permit.organization_id, workflow=instance, step_type=StepType.APPROVAL, order=step.order + 1,
                assignee_id=permit.approver_id, assigned_at=now, due_at=_sla(StepType.APPROVAL))
            instance.current_step = approval
        else:
            instance.state = WorkflowState.COMPLETED if name == "approve" else WorkflowState.REJECTED
            instance.current_step, instance.completed_at = None, now
        instance.save()
    elif name == "cancel" and instance.state == WorkflowState.ACTIVE:
        instance.steps.filter(status=StepStatus.PENDING).update(status=StepStatus.CANCELLED)
        instance.state, instance.current_step, instance.completed_at = WorkflowState.CANCELLED, None, now
        instance.save()


def permit_transition(*, instance, name: str, user, comment: str = "", expected_version=None, check_permission=True,
                      before_save=None):
    """Every permit status change: the core transition (lock, version, permission, gates,
    log, history, audit, event) plus PermitAudit and the workflow steps, in one transaction."""
    def after_save(permit):
        _workflow_bookkeeping(permit, name, user, comment)
        permit_audit(permit=permit, action=name, user=user, comments=comment)

    return workflows.transition_run(instance=instance, name=name, user=user, comment=comment,
                                    expected_version=expected_version, check_permission=check_permission,
                                    before_save=before_save, after_save=after_save,
                                    event_data={"permit_number": instance.permit_number})


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
            for role, person in changes.items():
                permit_audit(permit=permit, action=f"{role}_assigned", user=user, data={"user": person.pk})
                events.emit(f"ptw.permit.{role}_assigned", permit, actor=user, data={"permit_number": permit.permit_number, "recipients": [person.pk]})
        return permit_transition(instance=permit, name="initiate_workflow", user=user, comment=comment)


def workflow_decide(*, permit, user, stage: str, decision: str, comments: str = "", expected_version=None) -> Permit:
    """T4/T5 (verify) and T6/T7 (approve) with {"decision": "approve" | "reject"}."""
    names = {("verify", "approve"): "verify", ("verify", "reject"): "reject_verification",
             ("approve", "approve"): "approve", ("approve", "reject"): "reject"}
    if decision not in ("approve", "reject"):
        raise ValidationError({"decision": [_('Use "approve" or "reject".')]})
    return permit_transition(instance=permit, name=names[(stage, decision)], user=user, comment=comments,
                             expected_version=expected_version)


STATUS_TO_TRANSITION = {
    PermitStatus.SUBMITTED: "submit", PermitStatus.PENDING_VERIFICATION: "initiate_workflow",
    PermitStatus.PENDING_APPROVAL: "verify", PermitStatus.APPROVED: "approve", PermitStatus.ACTIVE: "activate",
    PermitStatus.SUSPENDED: "suspend", PermitStatus.COMPLETED: "complete", PermitStatus.CANCELLED: "cancel",
    PermitStatus.UNDER_REVIEW: "mark_under_review", PermitStatus.OBSOLETE: "mark_obsolete", PermitStatus.EXPIRED: "expire",
}


def permit_update_status(*, permit, user, status: str, comments: str = "", expected_version=None) -> Permit:
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
    return permit_transition(instance=permit, name=name, user=user, comment=comments, expected_version=expected_version)


# --- gas ------------------------------------------------------------------------------
def gas_reading_record(*, permit, data: dict, user) -> GasReading:
    """Record a reading (append-only). Outside limits on an active permit: suspend at once,
    with the reading as the reason, and alert the issuer and area in-charge."""
    if permit.status in FINAL_STATUSES:
        raise BusinessRuleError(_("Readings cannot be added to a closed permit."), code="permit_closed")
    gas, value = data["gas"], data["value"]
    tolerance = timedelta(minutes=settings.PTW_GAS_READING_FUTURE_TOLERANCE_MINUTES)
    if data.get("tested_at") and data["tested_at"] > timezone.now() + tolerance:
        raise ValidationError({"tested_at": [_("A reading cannot be dated in the future.")]})
    limits = gates.gas_limits_for(permit.permit_type, gas)
    data = {**data, "permit": permit, "unit": data.get("unit") or limits.get("unit", ""), "tested_by": data.get("tested_by") or user}
    with transaction.atomic():
        reading = record_create(model=GasReading, organization=permit.organization, data=data, user=user)
        reading.safe = gates.gas_value_is_safe(permit.permit_type, gas, value)
        reading.save(update_fields=["safe"])
        permit_audit(permit=permit, action="gas_reading", user=user,
                     data={"gas": gas, "value": str(value), "unit": reading.unit, "safe": reading.safe})
        if not reading.safe:
            reason = _("Unsafe gas reading: %(gas)s %(value)s %(unit)s at %(at)s.") % {
                "gas": gas, "value": value, "unit": reading.unit, "at": timezone.localtime(reading.tested_at).strftime("%H:%M")}
            events.emit("ptw.permit.gas_unsafe", permit, actor=user, data={
                "permit_number": permit.permit_number, "gas": gas, "value": str(value), "unit": reading.unit,
                "recipients": [pk for pk in (permit.issuer_id, permit.area_incharge_id) if pk]})
            if permit.status == PermitStatus.ACTIVE:
                def set_reason(locked):
                    locked.suspension_reason = reason
                permit_transition(instance=permit, name="suspend", user=user, comment=reason, check_permission=False,
                                  before_save=set_reason)
    return reading


# --- extensions -----------------------------------------------------------------------
def _may_decide_extension(permit, user, role) -> bool:
    from ohms_core.roles import Role

    return user.is_superuser or role in (Role.ORG_ADMIN, Role.SAFETY_MANAGER) or permit.approver_id == user.pk


def permit_extend(*, permit, user, role: str, new_end_time, reason: str) -> PermitExtension:
    """T10: request an extension; the approver (or a manager) asking is approved at once."""
    if permit.status not in (PermitStatus.APPROVED, PermitStatus.ACTIVE):
        raise BusinessRuleError(_("Only approved or active permits can be extended."), code="invalid_state")
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Give a reason.")]})
    reasons = list(gates.extension_gate(permit, new_end_time))
    if reasons:
        raise BusinessRuleError(_("The extension is refused."), code="extension_refused", errors=blocked_errors(reasons))
    with transaction.atomic():
        extension = record_create(model=PermitExtension, organization=permit.organization, user=user, data={
            "permit": permit, "previous_end_time": permit.planned_end_time, "new_end_time": new_end_time,
            "reason": reason, "requested_by": user})
        permit_audit(permit=permit, action="extension_requested", user=user, comments=reason,
                     data={"new_end_time": new_end_time.isoformat()})
        events.emit("ptw.permit.extension_requested", permit, actor=user,
                    data={"permit_number": permit.permit_number, "recipients": [permit.approver_id] if permit.approver_id else []})
        if _may_decide_extension(permit, user, role):
            extension = extension_decide(extension=extension, user=user, role=role, approve=True, comment=reason)
    return extension


def extension_decide(*, extension: PermitExtension, user, role: str, approve: bool, comment: str = "") -> PermitExtension:
    with transaction.atomic():  # the locks below need a transaction (the REST view runs in autocommit)
        permit = Permit.objects.select_for_update().get(pk=extension.permit_id)
        extension = PermitExtension.objects.select_for_update().get(pk=extension.pk)
        if not _may_decide_extension(permit, user, role):
            raise NotAllowedError(_("Only the assigned approver or a safety manager can decide extensions."))
        if extension.status != ExtensionStatus.REQUESTED:
            raise BusinessRuleError(_("This extension was already decided."), code="extension_decided")
        if approve and permit.status not in (PermitStatus.APPROVED, PermitStatus.ACTIVE):
            raise BusinessRuleError(_("Only approved or active permits can be extended."), code="invalid_state")
        if approve:
            reasons = list(gates.extension_gate(permit, extension.new_end_time))
            if reasons:
                raise BusinessRuleError(_("The extension is refused."), code="extension_refused", errors=blocked_errors(reasons))
            permit.planned_end_time = extension.new_end_time
            permit.extension_count += 1
            permit.save()
        extension = record_update(instance=extension, user=user, data={
            "status": ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED,
            "decided_by": user, "decided_at": timezone.now(), "decision_comment": comment or ""})
        permit_audit(permit=permit, action="extension_approved" if approve else "extension_rejected", user=user, comments=comment)
        events.emit("ptw.permit.extended" if approve else "ptw.permit.extension_rejected", permit, actor=user,
                    data={"permit_number": permit.permit_number, "new_end_time": extension.new_end_time.isoformat()})
    return extension


# --- signatures -----------------------------------------------------------------------
SIGNED_FIELDS = ("permit_number", "title", "description", "location", "planned_start_time", "planned_end_time", "status",
                 "risk_level", "ppe_requirements", "safety_checklist", "isolation_details", "control_measures", "version")


def permit_content_hash(permit) -> str:
    payload = {name: getattr(permit, name) for name in SIGNED_FIELDS}
    payload["permit_type"] = str(permit.permit_type_id)
    return hashlib.sha256(json.dumps(payload, sort_keys=True, cls=DjangoJSONEncoder).encode()).hexdigest()


#: Who may sign with which meaning: the person named on the permit (managers sign for anyone).
SIGNERS = {
    "issuer": ("issuer_id",), "receiver": ("receiver_id",), "verifier": ("verifier_id",), "approver": ("approver_id",),
    "closeout": ("issuer_id", "receiver_id", "area_incharge_id", "created_by_id"),
}


def permit_sign(*, permit, user, meaning: str, password: str, signature_data: str = "", role: str = "") -> DigitalSignature:
    """Signing re-asks the password; records meaning, time and a hash of the version signed.
    Only the person the permit names for that meaning may sign it (or an org admin)."""
    from ohms_core.roles import Role

    if not password_check(user, password):
        raise NotAllowedError(_("Wrong password: the signature was not recorded."), code="wrong_password")
    named = any(getattr(permit, attr) == user.pk for attr in SIGNERS.get(meaning, ()))
    if not (named or user.is_superuser or role == Role.ORG_ADMIN):
        raise NotAllowedError(_("Only the person named as %(meaning)s on this permit can sign as %(meaning)s.")
                              % {"meaning": meaning}, code="not_signatory")
    with transaction.atomic():
        signature = record_create(model=DigitalSignature, organization=permit.organization, user=user, data={
            "permit": permit, "signatory": user, "meaning": meaning, "signed_at": timezone.now(),
            "permit_version": permit.version, "content_hash": permit_content_hash(permit), "signature_data": signature_data})
        permit_audit(permit=permit, action="signed", user=user, data={"meaning": meaning, "hash": signature.content_hash})
    return signature


# --- crew -----------------------------------------------------------------------------
def permit_worker_add(*, permit, worker, user, role: str = "", briefed: bool = False) -> PermitWorker:
    from ohms_core import providers

    if permit.status in FINAL_STATUSES:
        raise BusinessRuleError(_("A closed permit's crew cannot change."), code="permit_closed")
    reasons = [Reason(r.code, f"{worker}: {r.message}", "crew", (str(worker),))
               for r in providers.check_worker(worker, purpose="permit", context=permit)]
    if reasons:
        raise BusinessRuleError(_("This worker cannot join the permit."), code="crew_not_fit", errors=blocked_errors(reasons))
    with transaction.atomic():
        assignment = record_create(model=PermitWorker, organization=permit.organization, user=user,
                                   data={"permit": permit, "worker": worker, "role": role, "briefed": briefed})
        permit_audit(permit=permit, action="worker_added", user=user, data={"worker": str(worker.pk)})
    return assignment


def permit_hazard_add(*, permit, data: dict, user) -> PermitHazard:
    """Record an identified hazard and its controls (admin and API)."""
    if permit.status in FINAL_STATUSES:
        raise BusinessRuleError(_("A closed permit can no longer change."), code="permit_closed")
    with transaction.atomic():
        hazard = record_create(model=PermitHazard, organization=permit.organization, user=user, data={**data, "permit": permit})
        permit_audit(permit=permit, action="hazard_added", user=user, data={"hazard": hazard.hazard})
    return hazard


PHOTO_MAX_BYTES = 15 * 1024 * 1024


def permit_photo_add(*, permit, data: dict, user) -> PermitPhoto:
    """Evidence photo (append-only) with its SHA-256; the same photo sent twice (offline
    retries) is stored once."""
    upload = data["file"]
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError({"file": [_("The photo is larger than 15 MB.")]})
    content_type = getattr(upload, "content_type", "") or ""
    if content_type and not content_type.startswith("image/"):
        raise ValidationError({"file": [_("Only images can be attached as photos.")]})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    content_hash = digest.hexdigest()
    existing = PermitPhoto.objects.filter(permit=permit, content_hash=content_hash).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        photo = record_create(model=PermitPhoto, organization=permit.organization, user=user, data={
            **data, "permit": permit, "content_hash": content_hash, "taken_by": user,
            "taken_at": data.get("taken_at") or timezone.now()})
        permit_audit(permit=permit, action="photo_added", user=user, data={"photo": str(photo.pk)})
    return photo
