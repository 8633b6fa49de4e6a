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
