"""Audit receivers for authentication events (logins happen outside any service)."""
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .context import client_ip, update_context
from .models import AuditAction


def _with_request(request):
    if request is not None:
        update_context(ip_address=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:512])


def _organizations_of(user):
    """Authentication rows go to every organization the user belongs to, so each
    organization's admins see their members' logins (None when the user has none)."""
    from .tenancy import active_memberships

    if user is None:
        return [None]
    return [m.organization for m in active_memberships(user)] or [None]


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    from .services.audit import audit_record

    _with_request(request)
    for organization in _organizations_of(user):
        audit_record(action=AuditAction.LOGIN, user=user, organization=organization, object_repr=user.get_username())


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    from .services.audit import audit_record

    if user is not None:
        _with_request(request)
        for organization in _organizations_of(user):
            audit_record(action=AuditAction.LOGOUT, user=user, organization=organization, object_repr=user.get_username())


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    from .services.audit import audit_record

    _with_request(request)
    from django.contrib.auth import get_user_model

    username = str(credentials.get("username", ""))[:254]
    known = get_user_model().objects.filter(username=username).first() if username else None
    for organization in _organizations_of(known):
        audit_record(action=AuditAction.LOGIN_FAILED, username=username, success=False, organization=organization,
                     error_message="Invalid credentials", object_repr=username)


@receiver(user_login_failed)
def count_login_failure(sender, credentials, request=None, **kwargs):
    """Every failed ``authenticate()`` counts toward the account's lock (services.auth)."""
    from .services.auth import login_failed

    login_failed(str(credentials.get("username", ""))[:254])


@receiver(user_logged_in)
def reset_login_failures(sender, request, user, **kwargs):
    from .services.auth import login_succeeded

    login_succeeded(user.get_username())
