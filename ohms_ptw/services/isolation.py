"""Structured isolation (SPEC 2.7): assign points, isolate → verify → de-isolate / cancel, LOTO log.

The point transitions are registered with the core state machine (``transition_services``),
so the REST endpoint, the permit screen and the generic admin transition URL all run
``isolation_update`` / ``isolation_cancel``: the permission and the gates declared on the
model (``PermitIsolationPoint``) hold on every path.
"""
from __future__ import annotations

import functools

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ohms_core import workflows
from ohms_core.context import get_context
from ohms_core.exceptions import NotAllowedError
from ohms_core.services.records import record_create

from .. import gates
from .. import permissions as perms
from ..models import LotoLog, PermitIsolationPoint
from ..states import IsolationStatus, LotoStatus
from .audit import permit_audit
from .rules import invalid_if, refuse_if

ACTIONS = ("isolate", "verify", "deisolate")


def isolation_assign(*, permit, user, library_point=None, custom_point_name: str = "",
                     custom_point_details: str = "", required: bool = True, order: int = 0,
                     loto_procedure=None, isolation_steps: str | None = None) -> PermitIsolationPoint:
    """Put a library or custom point on the permit. Its steps are copied (then editable, see
    ``loto.isolation_steps_update``) from ``isolation_steps`` when given, else from the LOTO
    procedure chosen, else from the library point's isolation method."""
    refuse_if(gates.permit_open_gate(permit))
    if not perms.user_may_assign_points(permit, user, get_context().role):
        raise NotAllowedError(_("Only the requester, the issuer, the area in-charge or a safety manager can assign isolation points."))
    if library_point is None and not (custom_point_name or "").strip():
        raise ValidationError({"custom_point_name": [_("Choose a library point or name a custom point.")]})
    if library_point is not None:
        if library_point.organization_id != permit.organization_id or (library_point.project_id and library_point.project_id != permit.project_id):
            raise ValidationError({"library_point_id": [_("This point is not available for the permit's project.")]})
        if PermitIsolationPoint.objects.filter(permit=permit, point=library_point).exists():
            raise ValidationError({"library_point_id": [_("This point is already assigned to the permit.")]})
    if loto_procedure is not None and (loto_procedure.organization_id != permit.organization_id or (
            loto_procedure.project_id and loto_procedure.project_id != permit.project_id)):
        raise ValidationError({"loto_procedure_id": [_("This LOTO procedure is not available for the permit's project.")]})
    if isolation_steps is None:
        isolation_steps = (loto_procedure.steps if loto_procedure is not None
                           else library_point.isolation_method if library_point is not None else "")
    with transaction.atomic():
        point = record_create(model=PermitIsolationPoint, organization=permit.organization, user=user, data={
            "permit": permit, "point": library_point, "custom_point_name": "" if library_point else custom_point_name.strip(),
            "custom_point_details": custom_point_details or "", "required": bool(required), "order": int(order or 0),
            "loto_procedure": loto_procedure, "isolation_steps": isolation_steps or ""})
        permit_audit(permit=permit, action="isolation_assigned", user=user, data={"point": str(point)})
    return point


def _precheck(point, name, user):
    """Refuse early with the rule's own code (permission first, then the gates); the core
    transition checks both again under the row lock."""
    meta = getattr(getattr(type(point), name, None), "_django_fsm", None)
    current = meta.get_transition(point.status) if meta is not None else None
    if current is None:
        return  # the core transition answers 409 invalid_state
    denied = workflows.permission_reason(point, current, user)
    if denied:
        raise NotAllowedError(denied.message, errors={"reasons": [denied.as_dict()]})
    refuse_if(workflows.gate_reasons(point, current))


def _run(*, point, name, user, comment="", expected_version=None, method_kwargs=None):
    permit = point.permit

    def after_save(locked):
        permit_audit(permit=permit, action=f"isolation_{name}", user=user, comments=comment, data={"point": str(locked), **(
            {"lock_ids": locked.lock_ids} if name == "isolate" else {})})
        if name == "isolate" or (name in ("deisolate", "cancel") and point.lock_applied):
            LotoLog.objects.create(
                organization_id=permit.organization_id, permit=permit, isolation_point=locked,
                asset_tag=locked.point.asset_tag if locked.point_id else locked.custom_point_name,
                action=LotoStatus.ACTIVE if name == "isolate" else LotoStatus.REMOVED,
                lock_ids=list(locked.lock_ids or []), user=user)

    _precheck(point, name, user)
    return workflows.transition_run(instance=point, name=name, user=user, expected_version=expected_version,
                                    method_kwargs=method_kwargs, after_save=after_save, comment=comment)


def isolation_update(*, permit, point: PermitIsolationPoint, user, action: str, lock_applied=True,
                     lock_count=None, lock_ids=(), verification_notes: str = "", deisolated_notes: str = "",
                     expected_version=None) -> PermitIsolationPoint:
    """Isolate, verify or de-isolate one point of ``permit``."""
    if point.permit_id != permit.pk:
        raise ValidationError({"permit_isolation_point_id": [_("This point belongs to another permit.")]})
    if action not in ACTIONS:
        raise ValidationError({"action": [_("Use isolate, verify or deisolate.")]})
    point.permit = permit
    kwargs = {}
    if action == "isolate":
        invalid_if(gates.lock_count_reasons(lock_count), "lock_count")
        ids = [str(i).strip() for i in (lock_ids or []) if str(i).strip()]
        count = int(lock_count if lock_count is not None else (len(ids) or (point.point.default_lock_count if point.point_id else 1)))
        if lock_applied and point.point_id and point.point.requires_lock and count < 1:
            raise ValidationError({"lock_count": [_("This point requires at least one lock.")]})
        if ids and len(ids) != count:
            raise ValidationError({"lock_ids": [_("Give one lock id per lock (%(n)s).") % {"n": count}]})
        kwargs = {"lock_applied": bool(lock_applied), "lock_count": count, "lock_ids": ids}
    elif action == "verify":
        kwargs = {"notes": verification_notes or ""}
    else:
        kwargs = {"notes": deisolated_notes or ""}
    return _run(point=point, name=action, user=user, expected_version=expected_version, method_kwargs=kwargs,
                comment=verification_notes or deisolated_notes or "")


def isolation_cancel(*, point: PermitIsolationPoint, user, comment: str = "", expected_version=None) -> PermitIsolationPoint:
    """Take a point off the permit (its locks, if any, come off: LOTO log)."""
    return _run(point=point, name="cancel", user=user, comment=comment, expected_version=expected_version)


def _transition_service(name, *, instance, user, comment="", expected_version=None):
    """The generic transition path (``workflows.transition_perform``) for a point."""
    if name == "cancel":
        return isolation_cancel(point=instance, user=user, comment=comment, expected_version=expected_version)
    notes = {"verify": {"verification_notes": comment}, "deisolate": {"deisolated_notes": comment}}.get(name, {})
    return isolation_update(permit=instance.permit, point=instance, user=user, action=name,
                            expected_version=expected_version, **notes)


def transition_services() -> dict:
    return {name: functools.partial(_transition_service, name) for name in (*ACTIONS, "cancel")}


def isolation_view(permit) -> dict:
    points = list(permit.isolation_points.select_related("point", "isolated_by", "verified_by", "deisolated_by")
                  .exclude(status=IsolationStatus.CANCELLED))
    return {"points": points, "summary": gates.isolation_summary(permit),
            "requires_structured_isolation": permit.permit_type.requires_structured_isolation,
            "requires_deisolation_on_closeout": permit.permit_type.requires_deisolation_on_closeout}
