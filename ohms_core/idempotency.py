"""Idempotency-Key for integrators' POSTs (SPEC DECISIONS 2, issue 10).

An integrator whose request timed out cannot know whether it acted. Sending the same
``Idempotency-Key`` again must never act twice: the first response comes back instead.

- The key is scoped to (organization, user, API token, method, path): another user or
  organization with the same key acts independently.
- Before the view runs, the key is **reserved** by an INSERT under a unique constraint, in
  its own (auto-committed) transaction, so a concurrent request with the same key sees the
  reservation and gets 409 instead of acting as well.
- When the view finishes, its response (status, body, relevant headers) is stored. The same
  key and body within ``OHMS_IDEMPOTENCY_HOURS`` (72) replays it with
  ``Idempotent-Replayed: true``; a different body is a 422.
- 5xx responses and crashes are not stored: the reservation is removed and the key may be
  retried. 4xx responses are stored (the same request gets the same answer again).
- A reservation left by a process that died mid-request is taken over after
  ``OHMS_IDEMPOTENCY_LOCK_SECONDS``; expired records are purged by a periodic job.

The view glue lives in ``ohms_core.api.idempotency.IdempotentMixin``; this module holds
the rules and the writes.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpResponse, QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
#: Response headers stored and replayed (besides every ``X-`` header).
REPLAYED_HEADERS = ("content-type", "content-language", "content-disposition", "location", "etag",
                    "last-modified", "cache-control")


def retention() -> timedelta:
    return timedelta(hours=getattr(settings, "OHMS_IDEMPOTENCY_HOURS", 72))


def lock_timeout() -> timedelta:
    return timedelta(seconds=getattr(settings, "OHMS_IDEMPOTENCY_LOCK_SECONDS", 300))


def max_body_bytes() -> int:
    return getattr(settings, "OHMS_IDEMPOTENCY_MAX_BODY_BYTES", 1024 * 1024)


class IdempotencyKeyInUse(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("A request with this Idempotency-Key is still being processed. Retry later.")
    default_code = "idempotency_key_in_use"
    wait = 1  # DRF's handler turns it into ``Retry-After: 1``


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was already used with a different request body.")
    default_code = "idempotency_key_reused"


@dataclass
class Reservation:
    """The outcome of ``idempotency_reserve``: a fresh reservation (``record_id``) the view
    must complete or release, or the stored response to replay."""

    record_id: int | None = None
    replay: HttpResponse | None = None
    done: bool = field(default=False)


def key_validate(raw: str) -> str:
    """The key as sent, or a 400 with the header as the field in error."""
    if not raw or not raw.strip():
        raise exceptions.ValidationError({HEADER: [_("The Idempotency-Key must not be empty.")]})
    if len(raw) > MAX_KEY_LENGTH:
        raise exceptions.ValidationError({HEADER: [_("The Idempotency-Key must be at most %(max)d characters.") % {"max": MAX_KEY_LENGTH}]})
    if not (raw.isascii() and raw.isprintable()):
        raise exceptions.ValidationError({HEADER: [_("The Idempotency-Key must contain printable ASCII characters only.")]})
    return raw


def _canonical(value):
    if isinstance(value, QueryDict):
        return {key: [_canonical(v) for v in value.getlist(key)] for key in value}
    if isinstance(value, dict):
        return {str(key): _canonical(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}
    return value


def request_fingerprint(*, data, query_params) -> str:
    """sha256 of the parsed body and query string: key order and whitespace of a JSON body
    do not matter, any changed value does."""
    payload = {"data": _canonical(data), "query": _canonical(query_params)}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _scope_hash(*, organization_id, user_id, token_id, method, path, key) -> str:
    # One string column under one unique constraint: NULLs (no organization, no token)
    # would make a multi-column unique constraint let duplicates through.
    raw = json.dumps([str(organization_id or ""), str(user_id or ""), str(token_id or ""), method, path, key])
    return hashlib.sha256(raw.encode()).hexdigest()


def _replay_response(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.response_body), status=record.status_code)
    for name, value in record.response_headers.items():
        response[name] = value
    response[REPLAY_HEADER] = "true"
    return response


def idempotency_reserve(*, organization, user, token, method: str, path: str, key: str, fingerprint: str) -> Reservation:
    """Reserve the key (INSERT under the unique scope hash, committed at once) or answer
    from the existing record: replay, 422 (other body), 409 (still running)."""
    scope = _scope_hash(organization_id=getattr(organization, "pk", None), user_id=getattr(user, "pk", None),
                        token_id=getattr(token, "pk", None), method=method, path=path, key=key)
    for _attempt in range(3):
        now = timezone.now()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    scope_hash=scope, organization=organization, user=user, token=token, key=key, method=method,
                    path=path, fingerprint=fingerprint, created_at=now, expires_at=now + retention(),
                )
            return Reservation(record_id=record.pk)
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(scope_hash=scope).first()
        if existing is None:  # released (5xx) or purged in between: try again
            continue
        if existing.expires_at <= now:
            IdempotencyRecord.objects.filter(pk=existing.pk, expires_at__lte=now).delete()
            continue
        if existing.fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        if existing.in_flight:
            if existing.created_at <= now - lock_timeout():
                # Left by a process that died mid-request: take it over (the INSERT arbitrates).
                IdempotencyRecord.objects.filter(pk=existing.pk, status_code__isnull=True,
                                                 created_at__lte=now - lock_timeout()).delete()
                continue
            raise IdempotencyKeyInUse()
        return Reservation(replay=_replay_response(existing))
    raise IdempotencyKeyInUse()


def _storable_headers(response) -> dict:
    return {name: value for name, value in response.items()
            if name.lower() in REPLAYED_HEADERS or name.lower().startswith("x-")}


def idempotency_complete(*, reservation: Reservation, response) -> None:
    """Store the view's response for replays, or release the key when it must not be
    stored: a 5xx (the client may retry), a streamed or oversized body (exports)."""
    if reservation.done or reservation.record_id is None:
        return
    reservation.done = True
    if response.status_code >= 500 or getattr(response, "streaming", False):
        idempotency_release(reservation=reservation)
        return
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    content = response.content
    if len(content) > max_body_bytes():
        idempotency_release(reservation=reservation)
        return
    IdempotencyRecord.objects.filter(pk=reservation.record_id).update(
        status_code=response.status_code, response_body=content, response_headers=_storable_headers(response),
        completed_at=timezone.now(),
    )


def idempotency_release(*, reservation: Reservation) -> None:
    """Forget the reservation (the request failed without an answer worth replaying)."""
    reservation.done = True
    if reservation.record_id is not None:
        IdempotencyRecord.objects.filter(pk=reservation.record_id, status_code__isnull=True).delete()


def idempotency_purge_expired(*, now=None) -> int:
    """Delete records past their retention (run by the ``idempotency_purge`` job)."""
    deleted, _details = IdempotencyRecord.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
