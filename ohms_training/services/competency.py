"""The answers this add-on gives the permit to work through ``ohms_core.providers``.

``competency_check`` is registered as a worker check: asked when a worker is added to a
permit and at activation (the permit's crew gate), it says which required modules the worker
holds no valid (passed, unexpired) certificate for. ``competency_catalog`` lets a permit type
name modules without importing this add-on (ids validated per organization).
"""
from __future__ import annotations

import uuid

from ..gates import missing_modules_reasons
from ..models import TrainingModule
from ..selectors import missing_modules


def _required_ids(context) -> list[str]:
    """The module ids the context requires: a permit (its type's list), a permit type, a dict
    ``{"required_training_modules": [...]}`` or a plain list."""
    if context is None:
        return []
    if isinstance(context, (list, tuple)):
        return [str(i) for i in context]
    if isinstance(context, dict):
        return [str(i) for i in context.get("required_training_modules") or []]
    permit_type = getattr(context, "permit_type", None)
    source = permit_type if permit_type is not None else context
    return [str(i) for i in getattr(source, "required_training_modules", None) or []]


def competency_check(worker, *, purpose: str, context=None):
    """Reasons the worker may not do the work: one naming every missing module (empty when trained)."""
    required = _required_ids(context)
    if not required:
        return []
    return list(missing_modules_reasons(missing_modules(worker, required)))


def _valid_uuids(ids):
    result = []
    for value in ids:
        try:
            result.append(str(uuid.UUID(str(value))))
        except (TypeError, ValueError):
            continue
    return result


def competency_catalog(organization, ids=None) -> dict:
    """{id: title} of the organization's modules (only ``ids`` when given; other-org ids unknown)."""
    queryset = TrainingModule.objects.filter(organization=organization)
    if ids is not None:
        wanted = {u: raw for raw in ids for u in _valid_uuids([raw])}
        rows = queryset.filter(pk__in=list(wanted)).values_list("pk", "title")
        return {wanted[str(pk)]: title for pk, title in rows}
    return {str(pk): title for pk, title in queryset.values_list("pk", "title")}
