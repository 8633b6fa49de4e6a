"""Offline sync engine and adapter registry (SPEC 5.1; decision "Offline sync placement").

A device works offline, queues changes, and sends them in one call. Core owns what is the
same for every kind of record: the request's shape, idempotency (``AppliedOfflineChange``:
a repeat is answered with the first result and nothing else happens), the run log, the
conflict store (``SyncConflict``: every entry returned under ``conflicts`` is kept so that
a person can resolve it later) and the resolution flow. What a change *means* (which
service applies it, which fields merge how) belongs to the add-on that owns the record:
it registers one :class:`SyncAdapter` per entity (``ohms_ptw/sync.py`` for permits, points,
closeouts, gas readings and photos). Adapters write through their add-on's services and
gates only, so a change from a phone is held to the same rules as one from the admin.

Outcomes of a change:

* ``applied``: written (or already true on the server, a no-op) -- recorded in the ledger;
* ``conflict``: not applied as sent because the server moved on (``stale_version``), the
  state machine refused (``invalid_transition``), or a rule refused (``validation_error``);
  kept as a ``SyncConflict`` (mergeable parts, when any, are merged and say so);
* ``rejected``: the change itself is wrong (bad input, unknown entity) or the user may not
  touch the record (``permission_denied``: another project or organization looks exactly
  like a record that does not exist). Nothing to resolve, nothing stored.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf_exceptions

from .exceptions import BusinessRuleError, ConflictError, NotAllowedError

APPLIED, CONFLICT, REJECTED = "applied", "conflict", "rejected"

# Conflict / rejection reasons (SPEC 5.1).
STALE_VERSION = "stale_version"
INVALID_TRANSITION = "invalid_transition"
PERMISSION_DENIED = "permission_denied"
VALIDATION_ERROR = "validation_error"
MISSING_CLIENT_VERSION = "missing_client_version"

# Merge hints of a field in a conflict (SPEC 5.1 response ``fields``).
LAST_WRITE_WINS = "last_write_wins"
SET_MERGE = "set_merge"
TRUE_WINS = "true_wins"
SERVER_AUTHORITATIVE = "server_authoritative"
#: The hints a "merge" resolution may use: sets and checklists, never scalars or statuses.
MERGEABLE_HINTS = frozenset({SET_MERGE, TRUE_WINS})

MAX_ID_LENGTH = 100
MAX_CHANGES = 500


@dataclass
class Change:
    """One queued change as the device sent it (validated shape, untyped ``data``)."""

    entity: str
    op: str
    offline_id: str
    data: dict
    server_id: str = ""
    client_version: int | None = None
    force: bool = False
    extra: dict = field(default_factory=dict)  # permit_id, permit_offline_id, ...

    def as_dict(self) -> dict:
        return {"entity": self.entity, "op": self.op, "offline_id": self.offline_id, "server_id": self.server_id or None,
                "client_version": self.client_version, "force": self.force, "data": self.data, **self.extra}


@dataclass
class Outcome:
    """What an adapter made of a change. ``project``, ``reference`` and ``title`` only feed
    the stored conflict (lists and the admin screen), never the response."""

    kind: str
    server_id: str = ""
    new_version: int | None = None
    server_state: dict = field(default_factory=dict)
    reason: str = ""
    client_version: int | None = None
    server_version: int | None = None
    fields: dict = field(default_factory=dict)
    detail: dict = field(default_factory=dict)
    project: Any = None
    reference: str = ""
    title: str = ""

    def entry(self, change: Change) -> dict:
        base = {"entity": change.entity, "offline_id": change.offline_id}
        if self.kind == APPLIED:
            return {**base, "server_id": self.server_id or None, "new_version": self.new_version,
                    "server_state": self.server_state}
        if self.kind == CONFLICT:
            entry = {**base, "server_id": self.server_id or None, "reason": self.reason,
                     "client_version": self.client_version, "server_version": self.server_version,
                     "fields": self.fields, "server_state": self.server_state}
            if self.detail:
                entry["detail"] = self.detail
            return entry
        return {**base, "reason": self.reason, "detail": self.detail}


def applied(obj=None, *, state: dict | None = None, **kwargs) -> Outcome:
    return Outcome(APPLIED, server_id=str(obj.pk) if obj is not None else "",
                   new_version=getattr(obj, "version", None), server_state=state or {}, **kwargs)


def rejected(reason: str, detail: dict | None = None) -> Outcome:
    return Outcome(REJECTED, reason=reason, detail=detail or {})


def field_diff(client, server, hint: str) -> dict:
    return {"client": client, "server": server, "merge_hint": hint}


@dataclass
class SyncRun:
    """The caller of one sync call; adapters keep per-call lookups in ``memo``."""

    user: Any
    organization: Any
    device_id: str
    role: str = ""
    memo: dict = field(default_factory=dict)


class SyncAdapter:
    """What an add-on implements for one entity. ``apply`` writes through services and
    returns an :class:`Outcome`; exceptions are mapped by the engine (``ValidationError``
    -> rejected ``validation_error``, ``NotAllowedError`` / not found -> rejected
    ``permission_denied``, ``BusinessRuleError`` -> rejected with its reasons)."""

    entity: str = ""
    ops: tuple[str, ...] = ()

    def apply(self, change: Change, run: SyncRun) -> Outcome:  # pragma: no cover - interface
        raise NotImplementedError

    def resolve(self, *, conflict, resolution: str, user) -> Outcome:
        """Apply ``keep_client`` (the sent change, forced) or ``merge`` (mergeable fields
        only) through the services. Raise the service's error when refused."""
        raise BusinessRuleError(_("This conflict cannot be resolved this way."), code="resolution_not_supported")

    def current_state(self, conflict) -> dict:
        """The record's server state now (the admin compares it with the client's)."""
        return conflict.server_state or {}


_adapters: dict[str, SyncAdapter] = {}


def register_adapter(adapter: SyncAdapter) -> SyncAdapter:
    _adapters[adapter.entity] = adapter
    return adapter


def adapter_for(entity: str) -> SyncAdapter | None:
    return _adapters.get(entity)


def adapters() -> dict[str, SyncAdapter]:
    return dict(_adapters)


# --- request parsing --------------------------------------------------------------------
def _text(value, limit=MAX_ID_LENGTH) -> str:
    return str(value if value is not None else "").strip()[:limit]


def parse_change(raw) -> tuple[Change | None, dict | None]:
    """``(change, None)`` or ``(None, errors)`` for one item of ``changes``."""
    if not isinstance(raw, dict):
        return None, {"non_field_errors": [_("Each change must be an object.")]}
    errors: dict = {}
    entity, op, offline_id = _text(raw.get("entity"), 50), _text(raw.get("op"), 30), _text(raw.get("offline_id"))
    for name, value in (("entity", entity), ("op", op), ("offline_id", offline_id)):
        if not value:
            errors[name] = [_("This field is required.")]
    data = raw.get("data", {})
    if data is None:
        data = {}
    if not isinstance(data, dict):
        errors["data"] = [_("Must be an object.")]
    client_version = raw.get("client_version")
    if client_version in ("", None):
        client_version = None
    else:
        try:
            client_version = int(client_version)
            if client_version < 0 or client_version > 2147483647:
                raise ValueError
        except (TypeError, ValueError):
            errors["client_version"] = [_("A valid integer is required.")]
    force = raw.get("force", False)
    if not isinstance(force, bool):
        errors["force"] = [_("Must be true or false.")]
    if errors:
        return None, errors
    extra = {key: raw[key] for key in ("permit_id", "permit_offline_id") if raw.get(key) not in (None, "")}
    return Change(entity=entity, op=op, offline_id=offline_id, data=data, server_id=_text(raw.get("server_id"), 64),
                  client_version=client_version, force=force, extra=extra), None


def _error_detail(exc) -> dict:
    if isinstance(exc, ValidationError):
        return exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    if isinstance(exc, drf_exceptions.ValidationError):
        detail = exc.detail
        return detail if isinstance(detail, dict) else {"non_field_errors": detail}
    if isinstance(exc, (BusinessRuleError, NotAllowedError, ConflictError)):
        return {"code": exc.code, "message": exc.message, **({"errors": exc.errors} if exc.errors else {})}
    return {"message": str(exc)}


def _json_safe(value):
    """``value`` with every non-JSON scalar (UUID, date, Decimal, lazy text) as text."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


# --- the engine ---------------------------------------------------------------------------
def _replay(run: SyncRun, change: Change) -> dict | None:
    """The first answer to this change when it was seen before (applied, or kept as a conflict)."""
    from .models import AppliedOfflineChange, SyncConflict

    done = AppliedOfflineChange.objects.filter(organization=run.organization, device_id=run.device_id,
                                               offline_id=change.offline_id, entity=change.entity).first()
    if done is not None:
        return {"kind": APPLIED, "entry": done.result}
    seen = (SyncConflict.objects.filter(organization=run.organization, device_id=run.device_id,
                                        offline_id=change.offline_id, entity=change.entity,
                                        client_version=change.client_version)
            .order_by("-created_at").first())
    if seen is not None:
        return {"kind": CONFLICT, "entry": conflict_entry(seen)}
    return None


def conflict_entry(conflict) -> dict:
    entry = {"entity": conflict.entity, "offline_id": conflict.offline_id, "server_id": conflict.server_id or None,
             "reason": conflict.reason, "client_version": conflict.client_version,
             "server_version": conflict.server_version, "fields": conflict.fields, "server_state": conflict.server_state,
             "conflict_id": str(conflict.pk)}
    if conflict.detail:
        entry["detail"] = conflict.detail
    return entry


def _record_applied(run: SyncRun, change: Change, entry: dict) -> None:
    from .models import AppliedOfflineChange

    AppliedOfflineChange.objects.create(organization=run.organization, device_id=run.device_id,
                                        offline_id=change.offline_id, entity=change.entity,
                                        server_id=entry.get("server_id") or "", user=_user(run.user), result=entry)


def _record_conflict(run: SyncRun, change: Change, outcome: Outcome, entry: dict):
    from .models import SyncConflict
    from .services.records import record_create

    return record_create(model=SyncConflict, organization=run.organization, user=_user(run.user), data={
        "project": outcome.project, "device_id": run.device_id, "user": _user(run.user), "entity": change.entity,
        "op": change.op, "offline_id": change.offline_id, "server_id": outcome.server_id or "",
        "reference": (outcome.reference or "")[:60], "title": (outcome.title or "")[:255], "reason": outcome.reason,
        "client_version": change.client_version, "server_version": outcome.server_version,
        "fields": entry["fields"], "server_state": entry["server_state"], "detail": entry.get("detail") or {},
        "change": _json_safe(change.as_dict())})


def _user(user):
    return user if getattr(user, "is_authenticated", False) else None


def _apply_one(run: SyncRun, change: Change) -> tuple[str, dict]:
    adapter = adapter_for(change.entity)
    if adapter is None:
        return REJECTED, rejected(VALIDATION_ERROR, {"entity": [_("Unknown entity “%(e)s”.") % {"e": change.entity}]}).entry(change)
    if change.op not in adapter.ops:
        return REJECTED, rejected(VALIDATION_ERROR, {"op": [_("Use one of: %(ops)s.") % {"ops": ", ".join(adapter.ops)}]}).entry(change)
    replay = _replay(run, change)
    if replay is not None:
        return replay["kind"], replay["entry"]
    try:
        with transaction.atomic():
            outcome = adapter.apply(change, run)
            entry = _json_safe(outcome.entry(change))
            if outcome.kind == APPLIED:
                _record_applied(run, change, entry)
            elif outcome.kind == CONFLICT:
                conflict = _record_conflict(run, change, outcome, entry)
                entry["conflict_id"] = str(conflict.pk)
            return outcome.kind, entry
    except IntegrityError:
        # Two calls raced with the same change: the other one's answer is the answer.
        replay = _replay(run, change)
        if replay is not None:
            return replay["kind"], replay["entry"]
        raise
    except (ValidationError, drf_exceptions.ValidationError) as exc:
        return REJECTED, _json_safe(rejected(VALIDATION_ERROR, _error_detail(exc)).entry(change))
    except (NotAllowedError, drf_exceptions.PermissionDenied, ObjectDoesNotExist, Http404) as exc:
        detail = _error_detail(exc) if isinstance(exc, NotAllowedError) else {
            "message": _("No such record, or you may not change it.")}
        return REJECTED, _json_safe(rejected(PERMISSION_DENIED, detail).entry(change))
    except (BusinessRuleError, ConflictError) as exc:
        return REJECTED, _json_safe(rejected(VALIDATION_ERROR, _error_detail(exc)).entry(change))


def sync_run(*, user, organization, device_id: str, changes: list, role: str = "") -> dict:
    """Apply ``changes`` in order for ``user`` and answer ``{applied, conflicts, rejected}``.

    Each change runs in its own savepoint: one refused change never undoes another. One
    ``SyncRunLog`` row per call."""
    from .models import SyncRunLog

    started_at, started = timezone.now(), time.monotonic()
    run = SyncRun(user=user, organization=organization, device_id=_text(device_id), role=role)
    result: dict[str, list] = {"applied": [], "conflicts": [], "rejected": []}
    lists = {APPLIED: "applied", CONFLICT: "conflicts", REJECTED: "rejected"}
    for raw in changes:
        change, errors = parse_change(raw)
        if change is None:
            result["rejected"].append({"entity": _text((raw or {}).get("entity") if isinstance(raw, dict) else "", 50),
                                       "offline_id": _text((raw or {}).get("offline_id") if isinstance(raw, dict) else ""),
                                       "reason": VALIDATION_ERROR, "detail": errors})
            continue
        kind, entry = _apply_one(run, change)
        result[lists[kind]].append(entry)
    SyncRunLog.objects.create(
        organization=organization, user=_user(user), device_id=run.device_id, started_at=started_at,
        duration_ms=int((time.monotonic() - started) * 1000), change_count=len(changes),
        applied_count=len(result["applied"]), conflict_count=len(result["conflicts"]),
        rejected_count=len(result["rejected"]))
    return result


# --- resolution ---------------------------------------------------------------------------
def merge_allowed(conflict) -> tuple[bool, str]:
    """May ``conflict`` be resolved by "merge"? Only when a field's hint allows it."""
    mergeable = [name for name, value in (conflict.fields or {}).items()
                 if isinstance(value, dict) and value.get("merge_hint") in MERGEABLE_HINTS]
    if not mergeable:
        return False, _("Merge is only possible for list and checklist fields; this conflict has none.")
    return True, ""


def resolution_options(conflict) -> list[dict]:
    """The four resolutions with ``allowed`` and the reason when not (admin buttons)."""
    from .models import SyncConflictStatus, SyncResolution

    closed = conflict.status != SyncConflictStatus.OPEN
    closed_reason = _("This conflict is already %(s)s.") % {"s": conflict.get_status_display().lower()}
    can_merge, merge_reason = merge_allowed(conflict)
    keep_client_reason = ""
    if conflict.reason == PERMISSION_DENIED:
        keep_client_reason = _("The change was refused by permissions; it cannot be forced.")
    options = []
    for value, label in SyncResolution.choices:
        reason = closed_reason if closed else ""
        if not reason and value == SyncResolution.MERGE and not can_merge:
            reason = merge_reason
        if not reason and value == SyncResolution.KEEP_CLIENT and keep_client_reason:
            reason = keep_client_reason
        options.append({"value": value, "label": str(label), "allowed": not reason, "reason": reason})
    return options


def conflict_resolve(*, conflict, resolution: str, user, expected_version: int | None = None):
    """Resolve a stored conflict. ``keep_server``: nothing changes on the record;
    ``discard``: the change is dropped; ``keep_client`` / ``merge``: applied through the
    entity's adapter (its services and gates: a refusal raises and the conflict stays
    open). The conflict row is updated through the record service (history + audit row)."""
    from .models import SyncConflict, SyncConflictStatus, SyncResolution
    from .services.records import record_update

    if resolution not in SyncResolution.values:
        raise ValidationError({"resolution": [_("Use one of: %(v)s.") % {"v": ", ".join(SyncResolution.values)}]})
    with transaction.atomic():
        locked = SyncConflict.objects.select_for_update().get(pk=conflict.pk)
        if expected_version is not None and locked.version != int(expected_version):
            raise ConflictError(errors={"version": [_("current version is %(v)s") % {"v": locked.version}]})
        if locked.status != SyncConflictStatus.OPEN:
            raise ConflictError(_("This conflict is already %(s)s.") % {"s": locked.get_status_display().lower()},
                                code="conflict_closed")
        option = {o["value"]: o for o in resolution_options(locked)}[resolution]
        if not option["allowed"]:
            raise BusinessRuleError(option["reason"], code=f"{resolution}_not_allowed",
                                    errors={"resolution": [option["reason"]]})
        data = {"resolution": resolution, "resolved_by": _user(user), "resolved_at": timezone.now(),
                "status": SyncConflictStatus.DISCARDED if resolution == SyncResolution.DISCARD else SyncConflictStatus.RESOLVED}
        if resolution in (SyncResolution.KEEP_CLIENT, SyncResolution.MERGE):
            adapter = adapter_for(locked.entity)
            if adapter is None:
                raise BusinessRuleError(_("No add-on handles “%(e)s” any more.") % {"e": locked.entity}, code="unknown_entity")
            outcome = adapter.resolve(conflict=locked, resolution=resolution, user=user)
            data["server_state"] = _json_safe(outcome.server_state) or locked.server_state
            if outcome.new_version is not None:
                data["server_version"] = outcome.new_version
        return record_update(instance=locked, data=data, user=user)


def new_offline_id() -> str:
    return str(uuid.uuid4())


SYNC_LOG_RETENTION_DAYS = 30


def sync_logs_cleanup(*, now=None) -> int:
    """Delete ``SyncRunLog`` rows older than 30 days (SPEC 5.3); returns how many. The
    idempotency ledger and the conflicts are kept: they answer repeats and audits."""
    from datetime import timedelta

    from .models import SyncRunLog

    cutoff = (now or timezone.now()) - timedelta(days=SYNC_LOG_RETENTION_DAYS)
    deleted, _counts = SyncRunLog.objects.filter(started_at__lt=cutoff).delete()
    return deleted


__all__ = [
    "APPLIED", "CONFLICT", "INVALID_TRANSITION", "LAST_WRITE_WINS", "MERGEABLE_HINTS", "MISSING_CLIENT_VERSION",
    "PERMISSION_DENIED", "REJECTED", "SERVER_AUTHORITATIVE", "SET_MERGE", "STALE_VERSION", "TRUE_WINS",
    "VALIDATION_ERROR", "Change", "Outcome", "SyncAdapter", "SyncRun", "adapter_for", "adapters", "applied",
    "conflict_entry", "conflict_resolve", "field_diff", "merge_allowed", "parse_change", "register_adapter", "rejected",
    "resolution_options", "sync_logs_cleanup", "sync_run",
]
