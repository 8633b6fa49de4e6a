"""Grants Wagtail admin access to anyone holding an active membership.

Role-based rights inside the admin come from ``ohms_core.permissions`` through the
permission policies registered in ``wagtail_hooks``; this backend only opens the door.
"""
from django.contrib.auth.backends import BaseBackend


class MembershipBackend(BaseBackend):
    def authenticate(self, request, **kwargs):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        if perm != "wagtailadmin.access_admin" or not user_obj.is_active:
            return False
        from .tenancy import active_memberships

        cache_name = "_ohms_has_membership"
        if not hasattr(user_obj, cache_name):
            setattr(user_obj, cache_name, active_memberships(user_obj).exists())
        return getattr(user_obj, cache_name)


class LoginLockoutBackend:
    """First backend: refuses every login attempt for a locked account.

    A plain class on purpose, with ``authenticate`` only: a backend with ``get_user`` would
    be the one ``login()``/``force_login()`` record in the session, and it logs nobody in.

    Raising PermissionDenied stops ``authenticate()`` before the password is even compared
    (Django then sends ``user_login_failed``), so a locked account cannot be guessed at.
    Failures are counted by the ``user_login_failed`` receiver in ``ohms_core.signals``.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        from django.core.exceptions import PermissionDenied

        from .services.auth import login_locked

        if username and login_locked(username):
            if request is not None:
                request.ohms_login_locked = True
            raise PermissionDenied
        return None
