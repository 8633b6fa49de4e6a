"""Shift handovers: open items carried to the next shift, acknowledged by the incoming person."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ohms_core import events
from ohms_core.exceptions import BusinessRuleError
from ohms_core.services.records import record_create, record_update
from ohms_core.workflows import blocked_errors

from .. import gates, selectors
from ..models import ShiftHandover


def handover_prefill(*, site) -> dict:
    """What a new handover of ``site`` starts with: the previous one's open items, and a
    shift starting where it ended."""
    previous = selectors.previous_handover(site.pk)
    if previous is None:
        return {"open_items": [], "previous": None}
    return {"open_items": list(previous.open_items or []), "previous": previous, "shift_start": previous.shift_end}


def clean_items(items) -> list:
    return [str(item).strip()[:500] for item in (items or []) if str(item).strip()]


def handover_create(*, organization, data: dict, user) -> ShiftHandover:
    """Write the handover. Without ``open_items`` given, the previous handover's are carried."""
    data = dict(data)
    prefill = handover_prefill(site=data["site"])
    if data.get("open_items") is None:
        data["open_items"] = prefill["open_items"]
    data["open_items"] = clean_items(data["open_items"])
    data.setdefault("author", user)
    data["previous"] = prefill["previous"]
    with transaction.atomic():
        handover = record_create(model=ShiftHandover, organization=organization, data=data, user=user)
        events.emit("visitors.shifthandover.created", handover, actor=user, data={"site": str(handover.site_id)})
    return handover


def handover_acknowledge(*, handover: ShiftHandover, user) -> ShiftHandover:
    with transaction.atomic():
        locked = ShiftHandover.objects.select_for_update().get(pk=handover.pk)
        reasons = list(gates.handover_acknowledge_reasons(locked, user=user))
        if reasons:
            raise BusinessRuleError(reasons[0].message, code=reasons[0].code, errors=blocked_errors(reasons))
        locked = record_update(instance=locked, data={"acknowledged_by": user, "acknowledged_at": timezone.now()}, user=user)
        events.emit("visitors.shifthandover.acknowledged", locked, actor=user, data={"site": str(locked.site_id)})
    return locked
