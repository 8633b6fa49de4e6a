"""Closeout (SPEC 2.6): template matching, the permit's checklist, completion."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core.services.records import record_create, record_update

from .. import gates
from ..models import PermitCloseout
from ..selectors import closeout_state, closeout_template_for
from .audit import permit_audit
from .reminders import permit_closeout_completed_emit
from .rules import refuse_if

__all__ = ["closeout_complete", "closeout_get_or_create", "closeout_state", "closeout_update"]


def closeout_get_or_create(*, permit, user=None) -> PermitCloseout | None:
    """GET auto-creates the record when a template applies (SPEC 2.6)."""
    existing = PermitCloseout.objects.filter(permit=permit).select_related("template").first()
    if existing is not None:
        return existing
    template = closeout_template_for(permit)
    if template is None:
        return None
    return record_create(model=PermitCloseout, organization=permit.organization,
                         data={"permit": permit, "template": template, "checklist": {}}, user=user)


def closeout_update(*, permit, user, checklist: dict | None = None, remarks: str | None = None,
                    expected_version: int | None = None) -> PermitCloseout:
    refuse_if(gates.permit_open_gate(permit))
    closeout = closeout_get_or_create(permit=permit, user=user)
    refuse_if(gates.closeout_open_gate(closeout))
    keys = {i["key"] for i in closeout.template.items}
    unknown = sorted(set(checklist or {}) - keys)
    if unknown:
        raise ValidationError({"checklist": [_("Unknown items: %(k)s") % {"k": ", ".join(unknown)}]})
    merged = dict(closeout.checklist or {})
    now = timezone.now().isoformat()
    for key, value in (checklist or {}).items():
        done = bool(value.get("done")) if isinstance(value, dict) else bool(value)
        merged[key] = {"done": done, "by": user.pk if done else None, "at": now if done else None}
    data = {"checklist": merged}
    if remarks is not None:
        data["remarks"] = remarks
    with transaction.atomic():
        closeout = record_update(instance=closeout, data=data, expected_version=expected_version, user=user)
        permit_audit(permit=permit, action="closeout_updated", user=user)
    return closeout


def closeout_complete(*, permit, user) -> PermitCloseout:
    """Every required item done and (when the type tracks it) every required point
    de-isolated; the completion is written through the record service (audit row)."""
    refuse_if(gates.permit_open_gate(permit))
    closeout = closeout_get_or_create(permit=permit, user=user)
    if closeout is not None and closeout.completed:
        return closeout  # idempotent: completing twice is not an error
    refuse_if(gates.closeout_open_gate(closeout))
    reasons = [*gates.closeout_items_gate(closeout), *gates.deisolation_gate(permit)]
    if reasons:
        refuse_if(reasons, _("The closeout cannot be completed."))
    with transaction.atomic():
        closeout = record_update(instance=closeout, user=user,
                                 data={"completed": True, "completed_at": timezone.now(), "completed_by": user})
        permit_audit(permit=permit, action="closeout_completed", user=user)
        permit_closeout_completed_emit(permit=permit, user=user)
    return closeout
