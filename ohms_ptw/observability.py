"""Structured logs of the permit-to-work endpoints (SPEC 5.3 "Structured logging").

One JSON object per line on the dedicated ``ptw`` logger (console, plus the file named by
``OHMS_PTW_LOG_FILE`` when a deployment sets it: see ``docs/operations.md``), so an
operator can grep, ship or chart them without parsing prose.

Why an allow-list and not a deny-list: these lines leave the application (log files,
log shippers, support e-mails). A deny-list fails open the day someone passes a new
field; the allow-list fails closed. Only the names in ``SAFE_FIELDS`` are written, and
only as plain scalars (a dict or list under a safe name is dropped too: it could carry
a payload). Request bodies, raw payloads, ``signature_data``, attachments, medical
content and personal data are never written, whatever the caller passes.
"""
from __future__ import annotations

import functools
import json
import logging
import time
import uuid
from datetime import datetime

from django.utils import timezone

logger = logging.getLogger("ptw")

#: The only fields a PTW log line may carry (SPEC 5.3).
SAFE_FIELDS = frozenset({
    "user_id", "organization_id", "project_id", "permit_id", "endpoint", "duration_ms", "status_code", "outcome",
    "applied_count", "conflict_count", "rejected_count", "permit_count", "detailed", "output_bytes",
})
#: A string longer than this is not an id, a name or an outcome: dropped.
MAX_TEXT = 200


def _safe_value(value):
    """The value as JSON can hold it, or ``None`` to drop it (anything not a plain scalar)."""
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else None
    return None


def safe_fields(fields: dict) -> dict:
    """``fields`` reduced to the allow-list (unknown names and non-scalar values dropped)."""
    kept = {}
    for name, value in fields.items():
        if name not in SAFE_FIELDS or value is None:
            continue
        value = _safe_value(value)
        if value is not None:
            kept[name] = value
    return kept


def log_ptw_event(event_name: str, **fields) -> dict:
    """Write one JSON line ``{"event": ..., "ts": ..., <safe fields>}`` at INFO on the
    ``ptw`` logger and return what was written (for tests and callers that chain)."""
    record = {"event": str(event_name)[:MAX_TEXT], "ts": _iso(timezone.now()), **safe_fields(fields)}
    logger.info(json.dumps(record, sort_keys=True, ensure_ascii=False))
    return record


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def time_endpoint(endpoint: str | None = None):
    """Decorate a DRF view method ``(self, request, ...)``: one ``ptw.<endpoint>`` line per
    call with the duration (``time.monotonic`` in ``try/finally``: a refused or failed
    call is timed and logged too), the status, the user and organization, plus the
    counts the view put in ``self.log_fields`` (e.g. ``permit_count``).

    For a streamed response the duration ends when the response is handed to the server
    (the bytes are counted by the stream itself, see ``exports.bulk``)."""

    def decorator(view_method):
        name = endpoint or view_method.__name__

        @functools.wraps(view_method)
        def wrapper(self, request, *args, **kwargs):
            started = time.monotonic()
            status_code, outcome = 500, "error"
            try:
                response = view_method(self, request, *args, **kwargs)
                status_code = int(getattr(response, "status_code", 200))
                outcome = "ok" if status_code < 400 else "refused"
                return response
            except Exception as exc:
                status_code = int(getattr(exc, "status_code", 500))
                outcome = "refused" if status_code < 500 else "error"
                raise
            finally:
                user = getattr(request, "user", None)
                organization = getattr(self, "organization", None)
                fields = {**getattr(self, "log_fields", {}),
                          "endpoint": name, "status_code": status_code, "outcome": outcome,
                          "duration_ms": round((time.monotonic() - started) * 1000, 1),
                          "user_id": getattr(user, "pk", None), "organization_id": getattr(organization, "pk", None)}
                log_ptw_event(f"ptw.{name}", **fields)

        return wrapper

    return decorator


__all__ = ["SAFE_FIELDS", "log_ptw_event", "safe_fields", "time_endpoint"]
