"""Outbound webhooks: endpoints, fan-out from the event bus, signed sending, retries.

Why it is built this way (SPEC DECISIONS 5 and 6):

- The core event bus (``ohms_core.events``) is the one source: ``webhooks_on_event`` is a
  subscriber for every event type, so an endpoint subscribed to ``"*"`` gets every present
  and future type. It only *records* one ``WebhookDelivery`` per (endpoint, event), unique,
  so a dispatch run twice delivers once; HTTP happens after the commit, outside the bus's
  transaction, in a Huey task and in the periodic job that sends due deliveries.
- Signing uses the ``standardwebhooks`` package (no hand-written HMAC). During a secret
  rotation each request carries two ``v1,`` signatures, so receivers holding either key verify.
- The SSRF guard resolves the host once, refuses private, loopback, link-local, reserved and
  multicast addresses (IPv4 and IPv6), then connects to exactly that checked address (no
  second DNS lookup a rebinding attack could answer differently). Redirects are never followed.
"""
from __future__ import annotations

import base64
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from ohms_core import events, scoping
from ohms_core.exceptions import ConflictError
from ohms_core.models import AuditAction, Membership
from ohms_core.roles import Role
from ohms_core.services.audit import audit_record, diff, snapshot

from ..models.webhooks import (
    ALL_EVENTS,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookSecret,
)
from ..selectors.webhooks import outbound_data

logger = logging.getLogger(__name__)

#: Delays before each retry; after the last one fails the delivery is dead (7 tries in all).
RETRY_DELAYS = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                timedelta(hours=5), timedelta(hours=10))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
TIMEOUT_SECONDS = 10
#: A claimed delivery is left alone by other senders this long (longer than one try can take).
CLAIM_SECONDS = 60
USER_AGENT = "OHMS-Webhooks/1"
TEST_EVENT = "webhook.test"
DISABLED_EVENT = "integrations.webhook.disabled"
_NAMESPACE = uuid.UUID("6f1d3c3e-5a4b-4c2e-9d55-0b1e8f7a9c21")


def allow_private() -> bool:
    return bool(getattr(settings, "OHMS_WEBHOOKS_ALLOW_PRIVATE", False))


def rotation_hours() -> int:
    return int(getattr(settings, "OHMS_WEBHOOK_ROTATION_HOURS", 24))


# --- secrets ------------------------------------------------------------------------------
def secret_generate() -> str:
    """``whsec_`` + base64 of 32 random bytes: the HMAC key is the decoded bytes (Standard Webhooks)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


# --- SSRF guard ---------------------------------------------------------------------------
class UnsafeTarget(Exception):
    """The URL points somewhere the server must not call."""


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
                or ip.is_unspecified or not ip.is_global)


def resolve_target(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, checked IP) of ``url``; ``UnsafeTarget`` when it may not be called."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeTarget(_("Only http and https addresses with a host name can receive webhooks."))
    if parts.username or parts.password:
        raise UnsafeTarget(_("Credentials in the address are not allowed."))
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeTarget(_("The port of the address is not valid.")) from exc
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeTarget(_("The host name %(host)s cannot be resolved.") % {"host": host}) from exc
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise UnsafeTarget(_("The host name %(host)s cannot be resolved.") % {"host": host})
    if not allow_private():
        blocked = [a for a in addresses if not address_is_public(a)]
        if blocked:
            raise UnsafeTarget(_("The address %(address)s is private, loopback, link-local or reserved: "
                                 "webhooks are never sent there.") % {"address": blocked[0]})
    return parts.scheme, host, port, addresses[0]


def url_validate(url: str) -> None:
    """Save-time check of an endpoint address (the same guard runs again at every send)."""
    try:
        resolve_target(url)
    except UnsafeTarget as exc:
        raise ValidationError({"url": [str(exc)]}) from exc


def events_validate(value) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValidationError({"events": [_("A list of event types is required.")]})
    known = {t.name for t in events.event_types()} | {ALL_EVENTS}
    unknown = [v for v in value if v not in known]
    if unknown:
        raise ValidationError({"events": [_("Unknown event types: %(types)s.") % {"types": ", ".join(unknown)}]})
    return list(dict.fromkeys(value))


# --- endpoints (writes) -------------------------------------------------------------------
def _clean_data(data: dict) -> dict:
    data = dict(data)
    if "url" in data:
        url_validate(data["url"])
    if "events" in data:
        data["events"] = events_validate(data["events"])
    return data


def _audit(action, obj, changes, user):
    audit_record(action=action, obj=obj, changes=changes, user=user)


def endpoint_create(*, organization, data: dict, user=None) -> tuple[WebhookEndpoint, str]:
    """Create an endpoint and its signing secret; the secret is returned this once."""
    data = _clean_data(data)
    with transaction.atomic():
        endpoint = WebhookEndpoint(organization=organization, **data)
        endpoint.full_clean()
        endpoint.created_by = user
        endpoint.save()
        secret = secret_generate()
        WebhookSecret.objects.create(endpoint=endpoint, secret=secret)
        _audit(AuditAction.CREATE, endpoint, diff({}, snapshot(endpoint)), user)
    return endpoint, secret


def endpoint_update(*, endpoint: WebhookEndpoint, data: dict, expected_version: int | None = None,
                    user=None) -> WebhookEndpoint:
    """Change an endpoint (409 when stale). Enabling it again clears the failure count."""
    data = _clean_data(data)
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if expected_version is not None and locked.version != int(expected_version):
            raise ConflictError(errors={"version": [f"current version is {locked.version}"]})
        before = snapshot(locked)
        for key, value in data.items():
            setattr(locked, key, value)
        if data.get("enabled") and not locked.enabled:
            locked.consecutive_failures = 0
            locked.disabled_reason = ""
        locked.full_clean()
        locked.save()
        _audit(AuditAction.UPDATE, locked, diff(before, snapshot(locked)), user)
    return locked


def endpoint_delete(*, endpoint: WebhookEndpoint, expected_version: int | None = None, user=None) -> None:
    from ohms_core.services.records import record_soft_delete

    record_soft_delete(instance=endpoint, expected_version=expected_version, user=user)


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint, user=None, now=None) -> tuple[str, datetime]:
    """A new secret (returned once); the old one keeps signing for ``OHMS_WEBHOOK_ROTATION_HOURS``."""
    now = now or timezone.now()
    with transaction.atomic():
        signing = WebhookSecret.objects.select_for_update().filter(endpoint=endpoint).first()
        new = secret_generate()
        valid_until = now + timedelta(hours=rotation_hours())
        if signing is None:
            WebhookSecret.objects.create(endpoint=endpoint, secret=new, rotated_at=now)
        else:
            signing.previous_secret, signing.previous_valid_until = signing.secret, valid_until
            signing.secret, signing.rotated_at = new, now
            signing.save()
        _audit(AuditAction.UPDATE, endpoint, {"secret": {"before": "********", "after": "******** (rotated)"},
                                              "previous_secret_valid_until": {"before": None,
                                                                               "after": valid_until.isoformat()}}, user)
    return new, valid_until


# --- fan-out from the event bus -----------------------------------------------------------
def webhook_id_for(*, event_id, endpoint_id) -> str:
    """Stable per (event, endpoint): every retry and redelivery sends the same ``webhook-id``."""
    return "msg_" + uuid.uuid5(_NAMESPACE, f"{event_id}:{endpoint_id}").hex


def _project_id(event, target) -> str | None:
    if event.data.get("project_id"):
        return str(event.data["project_id"])
    if target is None:
        return None
    path = scoping.project_path(type(target))
    if not path:
        return None
    obj = target
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop, None)
        if obj is None:
            return None
    value = getattr(obj, f"{last}_id", None)
    return str(value) if value else None


def event_payload(event, *, project_id: str | None) -> dict:
    """``{type, timestamp, data}`` (Standard Webhooks): ids, never names or medical content.
    The object's display text is left out (it may name a person); health events' data carry
    ids only, and their free-text fields (transition comments) are dropped."""
    event_type = events.event_type(event.type)
    data = outbound_data(event.type, event_type.addon if event_type else "", event.data)
    object_type = ""
    if event.content_type_id:
        object_type = f"{event.content_type.app_label}.{event.content_type.model}"
    return {
        "type": event.type,
        "timestamp": event.created_at.astimezone(UTC).isoformat(),
        "data": {
            **data,
            "event_id": str(event.pk),
            "organization_id": str(event.organization_id) if event.organization_id else None,
            "project_id": project_id,
            "object_type": object_type,
            "object_id": event.object_id or None,
        },
    }


def webhooks_on_event(event) -> int:
    """Event-bus subscriber (every type): one delivery row per matching endpoint, at most once.
    Sending happens after the commit (a Huey task), never inside the bus's transaction.
    One query when the organization has no endpoint wanting the type (most events)."""
    if event.type == TEST_EVENT or event.organization_id is None:
        return 0
    wanting = [e for e in WebhookEndpoint.objects.filter(organization_id=event.organization_id, enabled=True)
               if e.wants(event.type)]
    if not wanting:
        return 0
    target = event.target if event.content_type_id else None  # the payload carries the project id
    project_id = _project_id(event, target)
    endpoints = [e for e in wanting if e.project_id is None or str(e.project_id) == project_id]
    if not endpoints:
        return 0
    payload = event_payload(event, project_id=project_id)
    now = timezone.now()
    created = []
    for endpoint in endpoints:
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    organization_id=event.organization_id, endpoint=endpoint, event=event, event_type=event.type,
                    webhook_id=webhook_id_for(event_id=event.pk, endpoint_id=endpoint.pk), payload=payload,
                    next_attempt_at=now)
        except IntegrityError:
            continue  # an earlier (or concurrent) dispatch of this event recorded it already
        created.append(delivery.pk)
    if created:
        transaction.on_commit(lambda: _enqueue_send(created))
    return len(created)


def _enqueue_send(delivery_ids, delay: timedelta | None = None) -> None:
    from ..webhooks_tasks import webhook_deliveries_send_task

    ids = [str(pk) for pk in delivery_ids]
    try:
        if delay:
            webhook_deliveries_send_task.schedule(args=(ids,), delay=int(delay.total_seconds()) + 1)
        else:
            webhook_deliveries_send_task(ids)
    except Exception:  # queue down: the periodic job sends due deliveries anyway
        logger.exception("Could not enqueue webhook deliveries; the periodic job will send them")


# --- sending ------------------------------------------------------------------------------
def body_bytes(payload: dict) -> bytes:
    return json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True).encode()


def signature_header(*, secrets_: list[str], msg_id: str, timestamp: datetime, body: bytes) -> str:
    """Space-separated ``v1,<base64>`` signatures, one per valid secret (rotation)."""
    text = body.decode()
    return " ".join(Webhook(secret).sign(msg_id, timestamp, text) for secret in secrets_)


@dataclass
class SendResult:
    status_code: int | None
    duration_ms: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address the SSRF guard checked, whatever DNS says now."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def http_post(url: str, *, body: bytes, headers: dict) -> SendResult:
    """POST once: SSRF-checked, 10 s timeout, redirects not followed (a 3xx is a failure)."""
    started = time.monotonic()

    def elapsed():
        return int((time.monotonic() - started) * 1000)

    try:
        scheme, host, port, address = resolve_target(url)
    except UnsafeTarget as exc:
        return SendResult(None, elapsed(), str(exc))
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    conn = conn_class(host, port, address=address, timeout=TIMEOUT_SECONDS)
    try:
        conn.request("POST", path, body=body, headers={
            "Content-Type": "application/json", "User-Agent": USER_AGENT, **headers})
        response = conn.getresponse()
        response.read(65536)
        code = response.status
        error = "" if 200 <= code < 300 else _("The receiver answered HTTP %(code)s.") % {"code": code}
        return SendResult(code, elapsed(), error)
    except (OSError, http.client.HTTPException) as exc:
        return SendResult(None, elapsed(), f"{exc.__class__.__name__}: {exc}"[:2000])
    finally:
        conn.close()


def _send(*, endpoint: WebhookEndpoint, webhook_id: str, payload: dict, now=None) -> SendResult:
    signing = WebhookSecret.objects.filter(endpoint=endpoint).first()
    if signing is None:
        return SendResult(None, 0, _("The endpoint has no signing secret."))
    timestamp = (now or timezone.now()).astimezone(UTC)
    body = body_bytes(payload)
    headers = {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature_header(secrets_=signing.signing_secrets(now), msg_id=webhook_id,
                                              timestamp=timestamp, body=body),
    }
    return http_post(endpoint.url, body=body, headers=headers)


def _record_endpoint_result(endpoint_id, result: SendResult, *, counts: bool) -> None:
    """``last_*`` on the endpoint; ``counts``: a scheduled try (manual ones do not disable).

    Written with a queryset update on purpose: these columns are delivery telemetry, not an
    admin's edit. A ``save()`` would bump ``version`` (every admin edit would then race the
    sender and get 409s) and write a history row per HTTP try; the attempt ledger already
    records each try. Disabling the endpoint, a real change, goes through ``save()``."""
    from django.db.models import F

    failures = 0 if result.ok else (F("consecutive_failures") + 1 if counts else F("consecutive_failures"))
    WebhookEndpoint.all_objects.filter(pk=endpoint_id).update(
        last_status_code=result.status_code, last_error=result.error, last_sent_at=timezone.now(),
        consecutive_failures=failures)


def delivery_attempt(*, delivery: WebhookDelivery, manual: bool = False, now=None) -> WebhookAttempt:
    """One HTTP try of a delivery: an attempt row, the delivery's status and the endpoint's
    ``last_*``. A scheduled try that fails schedules the next (``RETRY_DELAYS``); after the
    last one the delivery is dead and the endpoint disabled (admins notified). A manual
    redelivery is an extra try with the same ``webhook-id`` and never disables."""
    endpoint = delivery.endpoint
    result = _send(endpoint=endpoint, webhook_id=delivery.webhook_id, payload=delivery.payload)
    now = now or timezone.now()
    with transaction.atomic():
        locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        locked.attempts += 1
        attempt = WebhookAttempt.objects.create(
            organization_id=locked.organization_id, delivery=locked, number=locked.attempts, manual=manual,
            status_code=result.status_code, succeeded=result.ok, duration_ms=result.duration_ms,
            error=result.error)
        locked.last_status_code, locked.last_error, locked.claimed_until = result.status_code, result.error, None
        scheduled_tries = locked.attempt_log.filter(manual=False).count()
        if result.ok:
            locked.status, locked.next_attempt_at = DeliveryStatus.SUCCEEDED, None
        elif manual:
            if locked.event_id is None:  # a test ping: no retries
                locked.status = DeliveryStatus.FAILED
            # a failed redelivery leaves the delivery as it was (retrying, dead or succeeded)
        elif scheduled_tries >= MAX_ATTEMPTS:
            locked.status, locked.next_attempt_at = DeliveryStatus.DEAD, None
        else:
            locked.status = DeliveryStatus.FAILED
            delay = RETRY_DELAYS[scheduled_tries - 1]
            locked.next_attempt_at = now + delay
            if delay < timedelta(minutes=1):  # sooner than the every-minute job: a delayed task
                transaction.on_commit(lambda: _enqueue_send([locked.pk], delay=delay))
        locked.save()
        _record_endpoint_result(endpoint.pk, result, counts=not manual)
        if locked.status == DeliveryStatus.DEAD and not manual and not result.ok:
            endpoint_disable(endpoint=endpoint, reason=_("Delivery %(id)s failed %(n)s times: %(error)s") % {
                "id": locked.webhook_id, "n": scheduled_tries, "error": result.error[:120]})
    delivery.refresh_from_db()
    return attempt


def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> None:
    """Turn an endpoint off after persistent failure and tell the organization's admins."""
    from ohms_core.services.notifications import notification_create

    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if not locked.enabled:
            return
        before = snapshot(locked)
        locked.enabled = False
        locked.disabled_reason = reason[:255]
        locked.save()
        audit_record(action=AuditAction.UPDATE, obj=locked, changes=diff(before, snapshot(locked)), user=None)
        event = events.emit(DISABLED_EVENT, locked, actor=None, organization=locked.organization, data={
            "endpoint_id": str(locked.pk)})
        admins = Membership.objects.filter(organization_id=locked.organization_id, role=Role.ORG_ADMIN,
                                           is_active=True).select_related("user")
        for membership in admins:
            notification_create(
                user=membership.user, event=event, per_event=True,
                title=_("Webhook endpoint “%(name)s” disabled") % {"name": locked.name},
                message=_("Deliveries to %(url)s kept failing, so the endpoint was turned off: %(reason)s. "
                          "Fix the receiver, enable the endpoint again and redeliver the dead deliveries.")
                % {"url": locked.url, "reason": reason})


def _claim(ids: list, now) -> list:
    """Take due deliveries for this sender: ``select_for_update(skip_locked)`` where the
    database has it (PostgreSQL), a conditional update per row elsewhere (SQLite)."""
    until = now + timedelta(seconds=CLAIM_SECONDS)
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    due = Q(status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED), next_attempt_at__lte=now)
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            claimed = list(WebhookDelivery.objects.select_for_update(skip_locked=True)
                           .filter(due, free, pk__in=ids).values_list("pk", flat=True))
            WebhookDelivery.objects.filter(pk__in=claimed).update(claimed_until=until)
        return claimed
    return [pk for pk in ids if WebhookDelivery.objects.filter(due, free, pk=pk).update(claimed_until=until)]


def deliveries_send_due(*, now=None, limit: int = 200, ids=None) -> int:
    """Send deliveries whose next attempt is due (the periodic job and the after-commit task)."""
    now = now or timezone.now()
    queryset = WebhookDelivery.objects.filter(
        status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED), next_attempt_at__lte=now,
        endpoint__enabled=True, endpoint__is_deleted=False)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    candidates = list(queryset.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    sent = 0
    for pk in _claim(candidates, now):
        delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=pk)
        try:
            delivery_attempt(delivery=delivery)
        except Exception:  # one broken delivery never stops the others; its claim expires
            logger.exception("Webhook delivery %s failed unexpectedly", pk)
            continue
        sent += 1
    return sent


def delivery_redeliver(*, delivery: WebhookDelivery, user=None) -> WebhookAttempt:
    """Manual redelivery: a new attempt on the same delivery, same ``webhook-id``."""
    attempt = delivery_attempt(delivery=delivery, manual=True)
    audit_record(action=AuditAction.UPDATE, obj=delivery.endpoint, user=user,
                 changes={"redelivered": {"before": None, "after": delivery.webhook_id}})
    return attempt


def endpoint_send_test(*, endpoint: WebhookEndpoint, user=None) -> WebhookAttempt:
    """Send a signed ``webhook.test`` now (synchronously) and record it as a delivery."""
    now = timezone.now()
    msg_id = "msg_" + uuid.uuid4().hex
    payload = {"type": TEST_EVENT, "timestamp": now.astimezone(UTC).isoformat(), "data": {
        "endpoint_id": str(endpoint.pk), "organization_id": str(endpoint.organization_id),
        "project_id": str(endpoint.project_id) if endpoint.project_id else None}}
    delivery = WebhookDelivery.objects.create(
        organization_id=endpoint.organization_id, endpoint=endpoint, event=None, event_type=TEST_EVENT,
        webhook_id=msg_id, payload=payload, next_attempt_at=None)
    return delivery_attempt(delivery=delivery, manual=True)
