"""Writes only the offline sync needs (SPEC 5.1); every other sync write reuses the ordinary
services (``permits``, ``workflow``, ``isolation``, ``closeout``, ``gas``, ``photos``)."""
from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from ohms_core.context import get_context
from ohms_core.exceptions import NotAllowedError
from ohms_core.services.records import record_update

from .. import gates
from ..models import PermitIsolationPoint
from ..states import IsolationStatus
from .audit import permit_audit
from .rules import refuse_if


def isolation_lock_ids_merge(*, point: PermitIsolationPoint, lock_ids: list[str], user,
                             expected_version: int | None = None) -> PermitIsolationPoint:
    """Set-merge the lock ids of an isolated point (SPEC 5.1: ``lock_ids`` are a union): a
    device that added a lock offline adds it, never removes another device's. Same rule
    as isolating: the permit is open, the user may isolate points."""
    permit = point.permit
    refuse_if(gates.permit_open_gate(permit))
    if point.status not in (IsolationStatus.ISOLATED, IsolationStatus.VERIFIED):
        raise NotAllowedError(_("Locks can only be added to an isolated point."))
    meta = getattr(type(point).isolate, "_django_fsm", None)
    permission = meta.get_transition(IsolationStatus.ASSIGNED).permission if meta is not None else None
    if permission is not None and not getattr(user, "is_superuser", False) and not permission(point, user):
        raise NotAllowedError(_("You may not change the locks of this point."))
    merged = list(point.lock_ids or [])
    merged.extend(i for i in lock_ids if i not in merged)
    with transaction.atomic():
        updated = record_update(instance=point, user=user, expected_version=expected_version,
                                data={"lock_ids": merged, "lock_count": max(point.lock_count, len(merged))})
        permit_audit(permit=permit, action="isolation_locks_merged", user=user,
                     data={"point": str(updated), "lock_ids": merged, "role": get_context().role})
    return updated


__all__ = ["isolation_lock_ids_merge"]
