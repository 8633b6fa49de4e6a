"""Request-scoped context: who acts, for which organization, from where.

A ``contextvars.ContextVar`` rather than a thread-local, so the value follows the
request through sync and async code and never leaks between requests served by the
same thread. Middleware (admin/session requests) and the API base view (token and
session requests) set it; models and services read it.
"""
from __future__ import annotations

import contextlib
import contextvars
import ipaddress
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class RequestContext:
    user: Any = None
    organization: Any = None
    membership: Any = None
    role: str = ""
    ip_address: str | None = None
    user_agent: str = ""
    session_id: str = ""
    reason: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def user_id(self):
        user = self.user
        return user.pk if user is not None and getattr(user, "is_authenticated", False) else None

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    def is_admin(self) -> bool:
        from .roles import Role

        user = self.user
        return bool(user is not None and getattr(user, "is_superuser", False)) or self.role == Role.ORG_ADMIN


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "ohms_request_context", default=RequestContext()  # noqa: B039 (frozen dataclass)
)


def get_context() -> RequestContext:
    return _current.get()


def set_context(ctx: RequestContext) -> contextvars.Token:
    return _current.set(ctx)


def reset_context(token: contextvars.Token) -> None:
    _current.reset(token)


def update_context(**changes) -> None:
    """Replace fields of the current context (used once authentication is known)."""
    _current.set(replace(_current.get(), **changes))


@contextlib.contextmanager
def acting_as(user=None, organization=None, role: str = "", reason: str = "", **kwargs):
    """Run a block as a given actor: management commands, jobs, tests."""
    token = _current.set(
        RequestContext(user=user, organization=organization, role=role, reason=reason, **kwargs)
    )
    try:
        yield get_context()
    finally:
        _current.reset(token)


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address for the audit trail.

    ``X-Forwarded-For`` is only believed behind a proxy we trust (``OHMS_TRUST_X_FORWARDED_FOR``),
    otherwise any client could write any address into the audit log. A malformed value falls
    back to ``REMOTE_ADDR`` (the column is an ``inet`` on PostgreSQL).
    """
    from django.conf import settings

    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if settings.OHMS_TRUST_X_FORWARDED_FOR else ""
    if forwarded:
        ip = _valid_ip(forwarded.split(",")[0])
        if ip:
            return ip
    return _valid_ip(request.META.get("REMOTE_ADDR") or "")
