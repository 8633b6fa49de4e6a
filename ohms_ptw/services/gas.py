"""Gas readings: append-only, judged against the permit type's limits when recorded."""
from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core import events
from ohms_core.services.records import record_create

from .. import conf, gates
from ..models import GasReading
from ..states import PermitStatus
from . import offline
from .audit import permit_audit
from .rules import invalid_if, refuse_if
from .workflow import permit_transition


def gas_reading_record(*, permit, data: dict, user) -> GasReading:
    """Record a reading (see ``gas_reading_submit``) and return it, new or first of its retries."""
    return gas_reading_submit(permit=permit, data=data, user=user).record


def _sent(existing, data: dict) -> dict:
    """What a retry must repeat for ``existing`` to be its first record (unit and instrument
    only when sent: the unit defaults from the permit type)."""
    sent = {"gas": data.get("gas"), "value": data.get("value")}
    if data.get("tested_at"):
        sent["tested_at"] = data["tested_at"]
    for name in ("unit", "instrument"):
        if data.get(name):
            sent[name] = data[name]
    return sent


def gas_reading_submit(*, permit, data: dict, user) -> offline.Submitted:
    """Record a reading once: a retry with the same ``offline_id`` (and device) gives back the
    first reading (``created=False``), a different reading under that id is a 409
    (``services/offline.py``). A retry is answered even once the permit has closed."""
    data = {**data, "offline_id": offline.offline_keys(data)[0], "device_id": offline.offline_keys(data)[1]}
    return offline.offline_submit(model=GasReading, permit=permit, data=data, compare=lambda existing: _sent(existing, data),
                                  create=lambda: _gas_reading_create(permit=permit, data=data, user=user))


def _gas_reading_create(*, permit, data: dict, user) -> GasReading:
    """Record a reading (append-only, saved once with its verdict). Outside limits on an
    active permit: suspend at once, with the reading as the reason, and alert the issuer
    and area in-charge. An impossible value (negative, over 100 %) is a 400, never "safe"."""
    refuse_if(gates.permit_open_gate(permit))
    gas, value = data["gas"], data["value"]
    limits = gates.gas_limits_for(permit.permit_type, gas)
    unit = data.get("unit") or limits.get("unit", "")
    invalid_if(gates.gas_value_reasons(gas, value, unit), "value")
    tolerance = timedelta(minutes=conf.gas_reading_future_tolerance_minutes())
    if data.get("tested_at") and data["tested_at"] > timezone.now() + tolerance:
        raise ValidationError({"tested_at": [_("A reading cannot be dated in the future.")]})
    data = {**data, "permit": permit, "unit": unit, "tested_by": data.get("tested_by") or user,
            "safe": gates.gas_value_is_safe(permit.permit_type, gas, value)}
    with transaction.atomic():
        reading = record_create(model=GasReading, organization=permit.organization, data=data, user=user)
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
