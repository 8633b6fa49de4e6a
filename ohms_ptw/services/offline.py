"""Offline idempotency (SPEC 6.3): a record sent again from the field is the same record.

A phone or tablet that records a gas reading or a photo without a network keeps it in a
queue and sends it when it can; when the answer is lost it sends it again. Each record
carries an ``offline_id`` chosen by the device, and the device names itself (the
``X-Device-Id`` header or a ``device_id`` field; stored on the row). The rule, one place
for the API, the admin and a future sync:

* the same ``offline_id`` from the same device on the same permit is a **retry**: the
  first record is given back unchanged (no second row, no second audit row or event);
* the same ``offline_id`` with a *different* payload is a **conflict** (409): two readings
  were given one id, and silently keeping either would lose data;
* no device: the ``offline_id`` alone identifies the record within the permit;
* the database holds the rule too (a conditional unique constraint on
  ``(permit, device_id, offline_id)``), so two retries that race cannot both insert: the
  loser's ``IntegrityError`` is caught and the winner's row returned.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ohms_core.exceptions import ConflictError

DEVICE_HEADER = "X-Device-Id"
MAX_ID_LENGTH = 100


@dataclass(frozen=True)
class Submitted:
    """What a submission produced: the record, and whether this call created it (201)
    or gave back the one a previous call created (200)."""

    record: Any
    created: bool


def device_id_from(request, data: dict | None = None) -> str:
    """The device of a request: the ``device_id`` field when sent, else the ``X-Device-Id``
    header, else "" (then the offline id alone counts within the permit)."""
    value = (data or {}).get("device_id") or request.headers.get(DEVICE_HEADER, "")
    return str(value).strip()[:MAX_ID_LENGTH]


def offline_keys(data: dict) -> tuple[str, str]:
    """``(offline_id, device_id)`` of a payload, stripped; a device without an offline id is kept
    (it is stored) but identifies nothing."""
    return str(data.get("offline_id") or "").strip(), str(data.get("device_id") or "").strip()


def offline_find(model, *, permit, offline_id: str, device_id: str):
    if not offline_id:
        return None
    return model.all_objects.filter(permit=permit, device_id=device_id, offline_id=offline_id).first()


def _same(stored, sent) -> bool:
    if isinstance(stored, Decimal) or isinstance(sent, Decimal):
        try:
            return Decimal(str(stored)) == Decimal(str(sent))
        except (InvalidOperation, ValueError):
            return False
    if hasattr(stored, "pk") and not isinstance(sent, (str, int)):
        return stored == sent
    if hasattr(stored, "pk"):
        return str(stored.pk) == str(sent)
    return stored == sent


def offline_replay(existing, *, compare: dict) -> Any:
    """``existing`` when every value of ``compare`` (field -> value the retry sent) matches it;
    else a 409 naming the fields that differ."""
    differing = sorted(name for name, value in compare.items() if not _same(getattr(existing, name), value))
    if differing:
        raise ConflictError(
            _("This offline id was already used for a different record (%(fields)s differ): "
              "it is a conflict, not a retry. Send the new record with a new offline id.") % {"fields": ", ".join(differing)},
            code="offline_id_conflict",
            errors={"offline_id": [_("Already used by this device for record %(id)s.") % {"id": existing.pk}],
                    "fields": differing})
    return existing


def offline_submit(*, model, permit, data: dict, compare: Callable[[Any], dict], create: Callable[[], Any]) -> Submitted:
    """Create through ``create()`` unless the offline id was seen before (see module docstring).

    ``compare(existing)`` returns the values of the retry to check against the first record;
    it is only called when one exists. ``create`` runs in a savepoint, so a lost race rolls
    back its audit row and event with the row.
    """
    offline_id, device_id = offline_keys(data)
    existing = offline_find(model, permit=permit, offline_id=offline_id, device_id=device_id)
    if existing is not None:
        return Submitted(offline_replay(existing, compare=compare(existing)), created=False)
    try:
        with transaction.atomic():
            record = create()
    except (IntegrityError, ValidationError):
        # The insert lost a race (the constraint, or its check in ``full_clean``); any other
        # error finds no first record and is raised as it was.
        existing = offline_find(model, permit=permit, offline_id=offline_id, device_id=device_id)
        if existing is None:
            raise
        return Submitted(offline_replay(existing, compare=compare(existing)), created=False)
    return Submitted(record, created=True)
