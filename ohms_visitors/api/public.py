"""The visitor's NDA signing page, reached by the link in the badge e-mail: no login, the
invite's token (256 random bits) is the credential. Typed name + acceptance; the service
records the time and the IP."""
from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ohms_core.exceptions import BusinessRuleError

from .. import selectors
from ..services.gate import nda_sign
from .views import client_ip


@never_cache
@require_http_methods(["GET", "POST"])
def nda_page(request):
    """``?token=`` (a query parameter: the page names no object, the token finds it)."""
    invite = selectors.invite_by_token_public(request.GET.get("token", ""))
    if invite is None:
        raise Http404(_("This link is not valid."))
    status = selectors.nda_status(invite)
    errors, signed_name = [], ""
    code = 200
    if request.method == "POST" and status["required"] and status["signature"] is None:
        signed_name = request.POST.get("signed_name", "")[:200]
        try:
            nda_sign(invite=invite, signed_name=signed_name, accepted=request.POST.get("accepted") == "on",
                     ip=client_ip(request), user=None)
        except BusinessRuleError as exc:
            errors = [r["message"] for r in exc.errors.get("reasons", [])] or [exc.message]
            code = 400
        status = selectors.nda_status(invite)
    response = render(request, "ohms_visitors/public_nda.html", {
        "invite": invite, "nda": status["nda"], "signature": status["signature"], "required": status["required"],
        "errors": errors, "signed_name": signed_name, "steps": selectors.entry_steps(invite)}, status=code)
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "same-origin"  # the token stays on this site; the form's Origin header is sent
    return response
