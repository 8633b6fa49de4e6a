"""Where an admin form may send the browser afterwards: our own host only.

A ``next`` taken from the request unchecked is an open redirect (a crafted link on our
origin that lands on a phishing page); anything off-host falls back to a named admin page.
"""
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def redirect_next(request, fallback: str, *args):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback, *args)
