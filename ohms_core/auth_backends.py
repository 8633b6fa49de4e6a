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
