"""Extensions (T10): asked by anyone who may change the permit, decided by the approver or a
manager. Every write (extension and permit) goes through the record services: audit rows."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core import events
from ohms_core.context import get_context
from ohms_core.exceptions import NotAllowedError
from ohms_core.services.records import record_create, record_update

from .. import gates
from ..models import Permit, PermitExtension
from ..states import ExtensionStatus
from .audit import permit_audit
from .rules import refuse_if


def _may_decide_extension(permit, user) -> bool:
    from ohms_core.roles import Role

    return user.is_superuser or get_context().role in (Role.ORG_ADMIN, Role.SAFETY_MANAGER) or permit.approver_id == user.pk


def permit_extend(*, permit, user, new_end_time, reason: str) -> PermitExtension:
    """T10: request an extension; the approver (or a manager) asking is approved at once."""
    refuse_if(gates.permit_open_gate(permit))
    refuse_if(gates.extension_state_gate(permit))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Give a reason.")]})
    refuse_if(gates.extension_gate(permit, new_end_time), _("The extension is refused."))
    with transaction.atomic():
        extension = record_create(model=PermitExtension, organization=permit.organization, user=user, data={
            "permit": permit, "previous_end_time": permit.planned_end_time, "new_end_time": new_end_time,
            "reason": reason, "requested_by": user})
        permit_audit(permit=permit, action="extension_requested", user=user, comments=reason,
                     data={"new_end_time": new_end_time.isoformat()})
        events.emit("ptw.permit.extension_requested", permit, actor=user,
                    data={"permit_number": permit.permit_number, "recipients": [permit.approver_id] if permit.approver_id else []})
        if _may_decide_extension(permit, user):
            extension = extension_decide(extension=extension, user=user, approve=True, comment=reason)
    return extension


def extension_decide(*, extension: PermitExtension, user, approve: bool, comment: str = "") -> PermitExtension:
    with transaction.atomic():  # the locks below need a transaction (the REST view runs in autocommit)
        permit = Permit.objects.select_for_update().get(pk=extension.permit_id)
        extension = PermitExtension.objects.select_for_update().get(pk=extension.pk)
        if not _may_decide_extension(permit, user):
            raise NotAllowedError(_("Only the assigned approver or a safety manager can decide extensions."))
        refuse_if(gates.extension_pending_gate(extension))
        if approve:
            refuse_if(gates.extension_state_gate(permit))
            refuse_if(gates.extension_gate(permit, extension.new_end_time), _("The extension is refused."))
            permit = record_update(instance=permit, user=user, data={
                "planned_end_time": extension.new_end_time, "extension_count": permit.extension_count + 1})
        extension = record_update(instance=extension, user=user, data={
            "status": ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED,
            "decided_by": user, "decided_at": timezone.now(), "decision_comment": comment or ""})
        permit_audit(permit=permit, action="extension_approved" if approve else "extension_rejected", user=user, comments=comment)
        events.emit("ptw.permit.extended" if approve else "ptw.permit.extension_rejected", permit, actor=user,
                    data={"permit_number": permit.permit_number, "new_end_time": extension.new_end_time.isoformat()})
    return extension
