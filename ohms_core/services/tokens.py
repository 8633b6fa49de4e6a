"""API tokens: created (the raw value is returned once), revoked, authenticated."""
from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import BusinessRuleError, NotAllowedError
from ..models import ApiToken, AuditAction, hash_token
from ..models.tokens import TOKEN_PREFIX
from ..roles import Role
from ..tenancy import active_memberships
from .audit import audit_record

#: last_used_at is written at most this often, so reads do not each cost a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _role_allowed(membership_role: str, token_role: str) -> bool:
    """A token may carry its membership's role or a read-only auditor role, nothing wider."""
    return token_role == membership_role or token_role == Role.AUDITOR


def token_create(*, user, organization, name: str, role: str | None = None, expires_at=None) -> tuple[ApiToken, str]:
    membership = active_memberships(user).filter(organization=organization).first()
    if membership is None and not user.is_superuser:
        raise NotAllowedError(_("You are not a member of this organization."))
    membership_role = membership.role if membership else Role.ORG_ADMIN
    role = role or membership_role
    if not _role_allowed(membership_role, role):
        raise NotAllowedError(_("A token cannot carry a role other than your own or read-only auditor."))
    if expires_at is not None and expires_at <= timezone.now():
        message = _("The expiry date must be in the future.")
        raise BusinessRuleError(message, code="invalid", errors={"expires_at": [message]})
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            organization=organization, user=user, name=name.strip() or "API token", role=role,
            key_prefix=prefix, key_hash=hash_token(raw), expires_at=expires_at,
        )
        audit_record(action=AuditAction.CREATE, obj=token, user=user, changes={"name": {"before": None, "after": token.name}, "role": {"before": None, "after": role}})
    return token, raw


def token_revoke(*, token: ApiToken, user=None) -> ApiToken:
    with transaction.atomic():
        locked = ApiToken.all_objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            audit_record(action=AuditAction.DELETE, obj=locked, user=user, changes={"revoked_at": {"before": None, "after": locked.revoked_at.isoformat()}})
    return locked


def token_authenticate(raw: str) -> ApiToken | None:
    """Return the live token for a raw value, or None. Constant-time comparison."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    try:
        prefix = raw[len(TOKEN_PREFIX):].split("_", 1)[0]
    except IndexError:
        return None
    token = ApiToken.objects.select_related("user", "organization").filter(key_prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.key_hash, hash_token(raw)):
        return None
    now = timezone.now()
    if token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
        return None
    if not token.user.is_active or token.organization.is_deleted or not token.organization.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        # A plain UPDATE on one column: not a business change, so no version bump or history row.
        ApiToken.all_objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
