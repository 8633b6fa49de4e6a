"""Structured isolation (SPEC 2.7): assign points, isolate → verify → de-isolate, LOTO log."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ohms_core import workflows
from ohms_core.exceptions import BusinessRuleError, NotAllowedError
from ohms_core.services.records import record_create
from ohms_core.workflows import Reason, blocked_errors

from .. import permissions as perms
from ..models import LotoLog, PermitIsolationPoint
from ..states import FINAL_STATUSES, IsolationStatus, LotoStatus, PermitStatus
from .audit import permit_audit

ACTIONS = {"isolate": "isolate", "verify": "verify", "deisolate": "deisolate"}


def _open_permit(permit):
    if permit.status in FINAL_STATUSES:
        raise BusinessRuleError(_("The permit is %(s)s: isolation can no longer change.") % {"s": permit.get_status_display()},
                                code="permit_closed")


def isolation_assign(*, permit, user, role: str, library_point=None, custom_point_name: str = "",
                     custom_point_details: str = "", required: bool = True, order: int = 0) -> PermitIsolationPoint:
    _open_permit(permit)
    if not perms.user_may_assign_points(permit, user, role):
        raise NotAllowedError(_("Only the requester, the issuer, the area in-charge or a safety manager can assign isolation points."))
    if library_point is None and not (custom_point_name or "").strip():
        raise ValidationError({"custom_point_name": [_("Choose a library point or name a custom point.")]})
    if library_point is not None:
        if library_point.organization_id != permit.organization_id or (library_point.project_id and library_point.project_id != permit.project_id):
            raise ValidationError({"library_point_id": [_("This point is not available for the permit's project.")]})
        if PermitIsolationPoint.objects.filter(permit=permit, point=library_point).exists():
            raise ValidationError({"library_point_id": [_("This point is already assigned to the permit.")]})
    with transaction.atomic():
        point = record_create(model=PermitIsolationPoint, organization=permit.organization, user=user, data={
            "permit": permit, "point": library_point, "custom_point_name": "" if library_point else custom_point_name.strip(),
            "custom_point_details": custom_point_details or "", "required": bool(required), "order": int(order or 0)})
        permit_audit(permit=permit, action="isolation_assigned", user=user, data={"point": str(point)})
    return point


def shared_point_holders(point: PermitIsolationPoint) -> list[str]:
    """Other live permits relying on *this* permit's locks on a shared library point.

    Group lockout: a permit that put its own locks on the point removes them when it is
    done, whatever the others do. But a permit relying on the point without locks of its
    own depends on ours, so ours may not come off while it is live. (Two permits with their
    own locks never block each other, so there is no deadlock.)
    """
    if not point.point_id or not point.lock_applied:
        return []
    return list(
        PermitIsolationPoint.objects.filter(point_id=point.point_id, lock_applied=False,
                                            status__in=(IsolationStatus.ISOLATED, IsolationStatus.VERIFIED),
                                            permit__status__in=(PermitStatus.ACTIVE, PermitStatus.SUSPENDED, PermitStatus.APPROVED))
        .exclude(permit_id=point.permit_id).values_list("permit__permit_number", flat=True)
    )


def isolation_update(*, permit, point: PermitIsolationPoint, user, role: str, action: str, lock_applied=True,
                     lock_count=None, lock_ids=(), verification_notes: str = "", deisolated_notes: str = "",
                     expected_version=None) -> PermitIsolationPoint:
    _open_permit(permit)
    if point.permit_id != permit.pk:
        raise ValidationError({"permit_isolation_point_id": [_("This point belongs to another permit.")]})
    if action not in ACTIONS:
        raise ValidationError({"action": [_("Use isolate, verify or deisolate.")]})
    if not perms.user_may_isolate(permit, user, role):
        raise NotAllowedError(_("Only the issuer, the area in-charge, the verifier or a safety manager can isolate or verify."))
    kwargs = {}
    if action == "isolate":
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
        if not permit.permit_type.requires_deisolation_on_closeout:
            raise BusinessRuleError(_("De-isolation is not tracked for this permit type."), code="deisolation_not_enabled")
        holders = shared_point_holders(point)
        if holders:
            reason = Reason("isolation_point_shared", _("Still relied on by %(p)s: it cannot be de-isolated yet.") % {"p": ", ".join(holders)},
                            "isolation", tuple(holders))
            raise BusinessRuleError(reason.message, code="isolation_point_shared", errors=blocked_errors([reason]))
        kwargs = {"notes": deisolated_notes or ""}

    def after_save(locked):
        permit_audit(permit=permit, action=f"isolation_{action}", user=user, data={"point": str(locked), **(
            {"lock_ids": locked.lock_ids} if action == "isolate" else {})})
        if action in ("isolate", "deisolate"):
            LotoLog.objects.create(
                organization_id=permit.organization_id, permit=permit, isolation_point=locked,
                asset_tag=locked.point.asset_tag if locked.point_id else locked.custom_point_name,
                action=LotoStatus.ACTIVE if action == "isolate" else LotoStatus.REMOVED,
                lock_ids=list(locked.lock_ids or []), user=user)

    return workflows.transition_run(instance=point, name=ACTIONS[action], user=user, expected_version=expected_version,
                                    method_kwargs=kwargs, after_save=after_save, check_permission=False,
                                    comment=verification_notes or deisolated_notes or "")


def isolation_view(permit) -> dict:
    from .. import gates

    points = list(permit.isolation_points.select_related("point", "isolated_by", "verified_by", "deisolated_by")
                  .exclude(status=IsolationStatus.CANCELLED))
    return {"points": points, "summary": gates.isolation_summary(permit),
            "requires_structured_isolation": permit.permit_type.requires_structured_isolation,
            "requires_deisolation_on_closeout": permit.permit_type.requires_deisolation_on_closeout}
