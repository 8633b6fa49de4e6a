"""Sets the request context (actor, organization, client) for every request."""
from django.conf import settings

from .context import RequestContext, client_ip, reset_context, set_context
from .tenancy import SESSION_KEY, resolve_tenancy


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ctx = RequestContext(
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:512],
            session_id=(request.session.session_key or "")[:64] if hasattr(request, "session") else "",
        )
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            hint = request.META.get(settings.OHMS_ORGANIZATION_HEADER, "") or request.session.get(SESSION_KEY, "")
            tenancy = resolve_tenancy(user, hint=hint)
            if tenancy.error and request.session.get(SESSION_KEY) and not request.META.get(settings.OHMS_ORGANIZATION_HEADER):
                # The chosen organization is gone or the membership was removed: forget it.
                request.session.pop(SESSION_KEY, None)
                tenancy = resolve_tenancy(user)
            if (tenancy.organization is not None and hasattr(request, "session") and not request.session.get(SESSION_KEY)
                    and not request.META.get(settings.OHMS_ORGANIZATION_HEADER)):
                # Remember the organization the session works for, even when it was implicit
                # (one membership): accepting an invitation later must not take it away.
                request.session[SESSION_KEY] = str(tenancy.organization.pk)
            # The API resolves the same user and hint again (it also serves tokens): it reuses this.
            request.ohms_session_tenancy = (user.pk, hint, tenancy)
            ctx = RequestContext(
                user=user, organization=tenancy.organization, membership=tenancy.membership,
                role=tenancy.role, ip_address=ctx.ip_address, user_agent=ctx.user_agent,
                session_id=ctx.session_id, extra={"tenancy_error": tenancy.error},
            )
        request.ohms = ctx
        token = set_context(ctx)
        try:
            return self.get_response(request)
        finally:
            reset_context(token)


class SessionIdleTimeoutMiddleware:
    """Log a browser session out after ``OHMS_SESSION_IDLE_MINUTES`` without activity.

    ``SESSION_COOKIE_AGE`` bounds a session's whole life (a shift); this bounds the idle
    time, so a control-room screen left signed in does not stay usable by the next person.
    Background polling (the notification bell) is listed in
    ``OHMS_SESSION_IDLE_EXEMPT_PATHS``: it is checked but does not count as activity.
    The last-seen time is written at most once a minute, so reads do not each cost a write.
    """

    KEY = "ohms_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        from django.contrib.auth import logout

        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        idle = settings.OHMS_SESSION_IDLE_MINUTES * 60
        if session is not None and user is not None and user.is_authenticated and idle > 0 and session.session_key:
            now = int(time.time())
            last_seen = session.get(self.KEY)
            if last_seen is not None and now - int(last_seen) > idle:
                logout(request)  # flushes the session; request.user becomes anonymous
            elif request.path not in settings.OHMS_SESSION_IDLE_EXEMPT_PATHS and (last_seen is None or now - int(last_seen) >= 60):
                session[self.KEY] = now
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Send ``OHMS_CONTENT_SECURITY_POLICY`` on every response that does not set its own.

    The default allows only our own origin (no CDN: the Swagger UI and every admin asset are
    served locally), with the inline styles and scripts the Wagtail admin needs; frames only
    from ourselves (Wagtail's preview). Empty setting: no header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.OHMS_CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
