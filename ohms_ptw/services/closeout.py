"""Closeout (SPEC 2.6): template matching, the permit's checklist, completion."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core.exceptions import BusinessRuleError
from ohms_core.services.records import record_create, record_update
from ohms_core.workflows import Reason, blocked_errors

from ..models import CloseoutChecklistTemplate, PermitCloseout
from .audit import permit_audit


def closeout_template_for(permit) -> CloseoutChecklistTemplate | None:
    """First the type + the permit's risk level, then the type alone (SPEC 2.6)."""
    templates = CloseoutChecklistTemplate.objects.filter(
        organization_id=permit.organization_id, permit_type_id=permit.permit_type_id, is_active=True
    ).order_by("created_at")
    return templates.filter(risk_level=permit.risk_level).first() or templates.filter(risk_level="").first()


def closeout_state(permit) -> dict:
    """Read-only: what the closeout gate and readiness need."""
    closeout = PermitCloseout.objects.filter(permit=permit).select_related("template").first()
    template = closeout.template if closeout else closeout_template_for(permit)
    if template is None:
        return {"template_exists": False, "is_complete": True, "missing_items": [], "closeout": None, "template": None}
    if closeout is None:
        missing = [i["label"] for i in template.items if i.get("required", True)]
        return {"template_exists": True, "is_complete": False, "missing_items": missing, "closeout": None, "template": template}
    return {"template_exists": True, "is_complete": closeout.is_complete(), "missing_items": closeout.get_missing_required_items(),
            "closeout": closeout, "template": template}


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
    closeout = closeout_get_or_create(permit=permit, user=user)
    if closeout is None:
        raise BusinessRuleError(_("No closeout checklist applies to this permit."), code="closeout_not_applicable")
    if closeout.completed:
        raise BusinessRuleError(_("The closeout is completed and read-only."), code="closeout_completed")
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
    from .. import gates

    closeout = closeout_get_or_create(permit=permit, user=user)
    if closeout is None:
        raise BusinessRuleError(_("No closeout checklist applies to this permit."), code="closeout_not_applicable")
    if closeout.completed:
        return closeout
    reasons = []
    missing = closeout.get_missing_required_items()
    if missing:
        reasons.append(Reason("closeout_incomplete", _("Required closeout items are not done: %(i)s.") % {"i": ", ".join(missing)},
                              "closeout", tuple(missing)))
    reasons.extend(gates.deisolation_gate(permit))
    if reasons:
        raise BusinessRuleError(_("The closeout cannot be completed."), code="closeout_incomplete", errors=blocked_errors(reasons))
    with transaction.atomic():
        locked = PermitCloseout.objects.select_for_update().get(pk=closeout.pk)
        locked.completed, locked.completed_at, locked.completed_by = True, timezone.now(), user
        locked.save()
        permit_audit(permit=permit, action="closeout_completed", user=user)
    return locked
