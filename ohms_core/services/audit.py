"""Writing the audit trail. The only code that creates AuditLog rows."""
from __future__ import annotations

import hashlib
import json

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder

from ..context import get_context
from ..models import AuditAction, AuditLog, AuditRisk

#: Fields never worth showing in a before/after diff.
IGNORED_FIELDS = {"updated_at", "version", "updated_by_id", "key_hash"}

_RISK = {
    AuditAction.DELETE: AuditRisk.MEDIUM,
    AuditAction.RESTORE: AuditRisk.MEDIUM,
    AuditAction.EXPORT: AuditRisk.MEDIUM,
    AuditAction.LOGIN_FAILED: AuditRisk.HIGH,
}


def _file_token(name) -> str:
    """A stand-in for a stored file in the audit trail: shows that the file changed,
    never its path or name (an audit reader must not learn where a file lives)."""
    if not name:
        return ""
    return "file:" + hashlib.sha256(str(name).encode()).hexdigest()[:12]


def snapshot(obj) -> dict:
    """JSON-safe values of an object's concrete fields."""
    data = {}
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        if field.get_internal_type() in ("FileField", "ImageField"):
            value = _file_token(getattr(value, "name", value))
        data[field.attname] = value
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def diff(before: dict, after: dict) -> dict:
    changed = {}
    for key in sorted(set(before) | set(after)):
        if key in IGNORED_FIELDS:
            continue
        if before.get(key) != after.get(key):
            changed[key] = {"before": before.get(key), "after": after.get(key)}
    return changed


#: Stands for a value a model keeps out of the audit trail (``audit_redacted_fields``).
REDACTED = "[redacted]"


def redact_changes(changes, fields):
    """``changes`` with the before/after values of ``fields`` replaced by ``REDACTED``: the
    row still says which field changed, never to what. A model opts in with
    ``audit_redacted_fields`` (e.g. an appointment's preparation notes: medical content,
    while auditors read the audit log)."""
    if not fields or not isinstance(changes, dict):
        return changes
    return {key: ({side: REDACTED for side in value} if isinstance(value, dict) else REDACTED)
            if key in fields else value for key, value in changes.items()}


def changes_for_reader(log, role: str):
    """The ``changes`` of an audit row as ``role`` may read them. New rows of a model with
    ``audit_redacted_fields`` hold no such value (``audit_record`` redacts them); rows
    written before the model opted in still do, so they are redacted here for every role
    not in the model's ``audit_redacted_readers`` (the API and the admin both read here)."""
    model = log.content_type.model_class() if log.content_type_id else None
    fields = getattr(model, "audit_redacted_fields", ())
    if not fields or role in getattr(model, "audit_redacted_readers", ()):
        return log.changes
    return redact_changes(log.changes, fields)


def audit_record(
    *,
    action: str,
    obj=None,
    changes: dict | None = None,
    user=None,
    organization=None,
    username: str = "",
    success: bool = True,
    error_message: str = "",
    risk_level: str | None = None,
    object_repr: str = "",
) -> AuditLog:
    ctx = get_context()
    user = user if user is not None else ctx.user
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if organization is None:
        organization = getattr(obj, "organization", None) if obj is not None and hasattr(obj, "organization_id") else None
        if organization is None and obj is not None and obj._meta.model_name == "organization":
            organization = obj
        organization = organization or ctx.organization
    return AuditLog.objects.create(
        organization=organization,
        user=user,
        username=username or (getattr(user, "get_username", lambda: "")() if user else ""),
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:255],
        changes=redact_changes(changes or {}, getattr(obj, "audit_redacted_fields", ())),
        ip_address=ctx.ip_address,
        user_agent=ctx.user_agent,
        session_id=ctx.session_id,
        risk_level=risk_level or _RISK.get(action, AuditRisk.LOW),
        success=success,
        error_message=error_message,
    )
