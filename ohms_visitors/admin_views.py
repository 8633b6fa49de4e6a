"""Admin screens besides the model viewsets: the gate (phone-sized: type or scan a token,
see the visitor and the NDA, check in or out with the reason a button is disabled, log a
walk-in), the muster list (print, CSV, Excel), the badge PDF and the handover acknowledgement.
Every write calls the same services as the REST API."""
from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ohms_core import permissions as policy
from ohms_core.context import get_context
from ohms_core.exceptions import OhmsError
from ohms_core.models import Site
from ohms_core.scoping import scope_queryset
from ohms_core.workflows import permission_reason

from . import exports, selectors
from .badge import badge_filename, badge_pdf
from .models import AccessLog, ShiftHandover, VisitorInvite
from .services import gate as gate_services
from .services import handovers as handover_services
from .states import AccessType


def require(resource: str, action: str = "view"):
    ctx = get_context()
    decision = policy.check(user=ctx.user, role=ctx.role, resource=resource, action=action)
    if not decision:
        raise PermissionDenied(decision.reason)


def _scoped(queryset):
    return scope_queryset(queryset, get_context())


def _error_messages(request, exc: OhmsError):
    reasons = exc.errors.get("reasons") if isinstance(exc.errors, dict) else None
    if reasons:
        for reason in reasons:
            messages.error(request, reason["message"])
    else:
        messages.error(request, exc.message)


class WalkInForm(forms.Form):
    site = forms.ModelChoiceField(label=gettext_lazy("Site"), queryset=Site.objects.none())
    access_type = forms.ChoiceField(label=gettext_lazy("Access type"),
                                    choices=[c for c in AccessType.choices if c[0] != AccessType.VISITOR])
    person_name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    person_company = forms.CharField(label=gettext_lazy("Company"), max_length=200, required=False)
    vehicle = forms.CharField(label=gettext_lazy("Vehicle"), max_length=60, required=False)
    notes = forms.CharField(label=gettext_lazy("Notes"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = _scoped(Site.objects.all())


def _action_state(invite, name, user):
    """(allowed, reasons) of the gate's buttons: the same reasons the server enforces."""
    if name == "check_in":
        reasons = selectors.check_in_reasons_for(invite)
    else:
        from .gates import check_out_reasons

        reasons = list(check_out_reasons(invite))
    machine_transition = next((t for t in VisitorInvite._meta.get_field("status").get_all_transitions(VisitorInvite)
                               if t.name == name), None)
    denied = permission_reason(invite, machine_transition, user) if machine_transition else None
    if denied:
        reasons = [denied, *reasons]
    return {"allowed": not reasons, "reasons": [str(r.message) for r in reasons]}


def gate(request):
    """GET ``?token=``: the visitor and the buttons; POST ``action`` = check_in | check_out |
    walk_in | leave (a walk-in's check-out, ``log``)."""
    require("accesslog", "add")
    organization = get_context().organization
    if request.method == "POST":
        action = request.POST.get("action", "")
        token = request.POST.get("token", "").strip()
        try:
            if action in ("check_in", "check_out"):
                invite = selectors.invite_by_token(token, organization=organization)
                if invite is None:
                    raise Http404(_("No invitation has this token."))
                service = gate_services.invite_check_in if action == "check_in" else gate_services.invite_check_out
                service(instance=invite, user=request.user)
                messages.success(request, (_("%(name)s checked in.") if action == "check_in" else
                                           _("%(name)s checked out.")) % {"name": invite.visitor_name})
            elif action == "walk_in":
                form = WalkInForm(request.POST)
                if not form.is_valid():
                    return _gate_page(request, token="", walk_in=form, status=400)
                log = gate_services.walk_in_check_in(organization=organization, user=request.user, **form.cleaned_data)
                messages.success(request, _("%(name)s logged in.") % {"name": log.person_name})
                token = ""
            elif action == "leave":
                log = _scoped(AccessLog.objects.all()).filter(pk=request.POST.get("log") or None).first()
                if log is None:
                    raise Http404
                gate_services.access_log_check_out(log=log, user=request.user)
                messages.success(request, _("%(name)s checked out.") % {"name": log.person_name})
            else:
                messages.error(request, _("Unknown action."))
        except OhmsError as exc:
            _error_messages(request, exc)
        except (ValueError, forms.ValidationError):
            raise Http404 from None
        url = reverse("ohms_visitors_gate")
        return redirect(f"{url}?{urlencode({'token': token})}" if token else url)
    return _gate_page(request, token=request.GET.get("token", "").strip())


def _gate_page(request, *, token, walk_in=None, status=200):
    organization = get_context().organization
    invite = selectors.invite_by_token(token, organization=organization) if token else None
    context = {"token": token, "invite": invite, "not_found": bool(token) and invite is None,
               "walk_in": walk_in or WalkInForm(), "walk_ins": []}
    if invite is not None:
        context.update(nda=selectors.nda_status(invite), steps=selectors.entry_steps(invite), check_in=_action_state(invite, "check_in", request.user),
                       check_out=_action_state(invite, "check_out", request.user))
    context["walk_ins"] = list(_scoped(AccessLog.objects.filter(invite__isnull=True, check_out_time__isnull=True))
                               .select_related("site").order_by("-check_in_time")[:50])
    return TemplateResponse(request, "ohms_visitors/gate.html", context, status=status)


def muster(request):
    """People on site now, per site, counts by company: print it, or export CSV / Excel."""
    require("accesslog")
    sites = list(_scoped(Site.objects.all()))
    site = None
    raw = request.GET.get("site")
    if raw:
        site = next((s for s in sites if str(s.pk) == raw), None)
        if site is None:
            raise Http404
    result = selectors.on_site(_scoped(AccessLog.objects.all()), site=site)
    fmt = request.GET.get("format")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response = HttpResponse(exports.muster_csv(result), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="muster-{stamp}.csv"'
        return response
    if fmt == "xlsx":
        response = HttpResponse(exports.muster_xlsx(result),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="muster-{stamp}.xlsx"'
        return response
    return TemplateResponse(request, "ohms_visitors/muster.html", {
        "sites": sites, "site": site, "result": result, "now": timezone.now(),
        "query": urlencode({"site": str(site.pk)}) if site else ""})


def invite_badge(request, pk):
    require("visitorinvite")
    invite = _scoped(VisitorInvite.objects.select_related("site", "host")).filter(pk=pk).first()
    if invite is None:
        raise Http404
    response = HttpResponse(badge_pdf(invite), content_type="application/pdf")
    disposition = "inline" if request.GET.get("print") else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{badge_filename(invite)}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def handover_acknowledge(request, pk):
    require("shifthandover", "add")
    handover = _scoped(ShiftHandover.objects.all()).filter(pk=pk).first()
    if handover is None:
        raise Http404
    try:
        handover_services.handover_acknowledge(handover=handover, user=request.user)
        messages.success(request, _("Handover acknowledged."))
    except OhmsError as exc:
        _error_messages(request, exc)
    return redirect(reverse("visitors_shifthandover:edit", args=[handover.pk]))


__all__ = ["gate", "handover_acknowledge", "invite_badge", "muster"]
