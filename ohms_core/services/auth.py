"""Password guessing: count failures per account, lock after too many, unlock by an admin.

Every password check goes through here: the admin (and any ``authenticate()``) through
``LoginLockoutBackend`` and the ``user_login_failed`` signal, re-checks inside a use case
(signing a permit re-asks the password) through ``password_check``. After
``OHMS_LOGIN_MAX_FAILURES`` wrong passwords within ``OHMS_LOGIN_LOCKOUT_MINUTES`` the account
is locked for that long: even the right password is refused, so guessing is bounded to a
handful of tries per window. Counters live in the cache (shared between web processes
when ``REDIS_URL`` is set; per process with the embedded default, still a hard bound per
process). An admin unlocks with ``manage.py ohms_unlock_login USER`` (or ``login_unlock``).
"""
from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from ..exceptions import NotAllowedError

logger = logging.getLogger(__name__)


class AccountLockedError(NotAllowedError):
    default_message = ""
    code = "account_locked"


def _ident(username: str) -> str:
    return hashlib.sha256(str(username or "").strip().lower().encode()).hexdigest()[:32]


def _failures_key(username: str) -> str:
    return f"ohms:auth:failures:{_ident(username)}"


def _lock_key(username: str) -> str:
    return f"ohms:auth:locked:{_ident(username)}"


def _window() -> int:
    return settings.OHMS_LOGIN_LOCKOUT_MINUTES * 60


def login_locked(username: str) -> bool:
    return bool(username) and cache.get(_lock_key(username)) is not None


def locked_message() -> str:
    return _("Too many wrong passwords: this account is locked for %(minutes)d minutes. "
             "An administrator can unlock it.") % {"minutes": settings.OHMS_LOGIN_LOCKOUT_MINUTES}


def login_failed(username: str) -> int:
    """Count one wrong password; lock the account at the limit. Returns the failure count."""
    if not username or login_locked(username):
        return 0
    key = _failures_key(username)
    cache.add(key, 0, _window())
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, _window())
        failures = 1
    if failures >= settings.OHMS_LOGIN_MAX_FAILURES:
        cache.set(_lock_key(username), failures, _window())
        cache.delete(key)
        logger.warning("Login locked after %s wrong passwords for account %s", failures, _ident(username))
    return failures


def login_succeeded(username: str) -> None:
    cache.delete(_failures_key(username))


def login_unlock(username: str) -> bool:
    """Lift a lock (and forget the failures); True when there was something to lift."""
    had = cache.get(_lock_key(username)) is not None or cache.get(_failures_key(username)) is not None
    cache.delete_many([_lock_key(username), _failures_key(username)])
    return had


def password_check(user, password: str, request=None) -> bool:
    """Re-check ``user``'s password inside a use case (e.g. signing a permit).

    Raises AccountLockedError (403, saying why) when the account is locked, so the check
    cannot be used as a password oracle; a wrong password counts toward the lock.
    """
    username = user.get_username()
    if login_locked(username):
        raise AccountLockedError(locked_message())
    if password and user.check_password(password):
        login_succeeded(username)
        return True
    login_failed(username)
    if login_locked(username):
        raise AccountLockedError(locked_message())
    return False
