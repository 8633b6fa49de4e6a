"""The compliance dashboard (SPEC 4.4): cards (open declarations, due in 24 h, overdue,
awaiting the authority) linking to the filtered lists, the deadline table sorted by time
left with colours, the authority responses to follow up, bulk "mark ready" and "submit"
(each refusal with its reason), and downloads (PDF per report, Excel of the lists).

The numbers come from ``reports_selectors``, the ones the clock's notifications are
tested against, so the bell and the cards agree.
"""
from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ohms_core import permissions as policy
from ohms_core.context import get_context

from ..models import CNSSReport, DRCReport
from ..reports_selectors import authority_follow_up, dashboard_counts, deadline_rows
from ..services.reports import reports_bulk_transition
from ..states import AWAITING_AUTHORITY_STATUSES, UNSUBMITTED_STATUSES

KIND_MODELS = {"cnss": CNSSReport, "drc": DRCReport}
BULK_ACTIONS = ("mark_ready", "submit")


def _allowed(resource: str, action: str) -> bool:
    ctx = get_context()
    return bool(policy.check(user=ctx.user, role=ctx.role, resource=resource, action=action))


def _list_url(kind: str, **params) -> str:
    base = reverse(f"regulatory_{kind}_report:index")
    query = urlencode(params, doseq=True)
    return f"{base}?{query}" if query else base


def cards(counts: dict) -> list[dict]:
    unsubmitted = [str(s) for s in UNSUBMITTED_STATUSES]
    awaiting = [str(s) for s in AWAITING_AUTHORITY_STATUSES]
    return [
        {"key": "open", "label": _("Open declarations"), "value": counts["open"],
         "links": [("CNSS", _list_url("cnss", status=unsubmitted)), ("DRC", _list_url("drc", status=unsubmitted))]},
        {"key": "due_24h", "label": _("Due within 24 h"), "value": counts["due_24h"], "alert": True,
         "links": [("CNSS", _list_url("cnss", status=unsubmitted)), ("DRC", _list_url("drc", status=unsubmitted))]},
        {"key": "overdue", "label": _("Overdue"), "value": counts["overdue"], "alert": True,
         "links": [("CNSS", _list_url("cnss", overdue="on")), ("DRC", _list_url("drc", overdue="on"))]},
        {"key": "awaiting_authority", "label": _("Awaiting the authority"), "value": counts["awaiting_authority"],
         "links": [("CNSS", _list_url("cnss", status=awaiting)), ("DRC", _list_url("drc", status=awaiting))]},
    ]


def compliance_dashboard(request):
    if not (_allowed("cnssreport", "view") or _allowed("drcreport", "view")):
        raise PermissionDenied
    organization = get_context().organization
    now = timezone.now()
    counts = dashboard_counts(organization=organization, now=now)
    context = {
        "cards": cards(counts),
        "deadlines": deadline_rows(organization=organization, now=now),
        "follow_up": authority_follow_up(organization=organization),
        "can_act": _allowed("cnssreport", "change") and _allowed("drcreport", "change"),
        "excel_links": [(_("CNSS declarations (Excel)"), reverse("cnssreport-export-excel")),
                        (_("DRC reports (Excel)"), reverse("drcreport-export-excel"))],
        "as_of": now,
    }
    return TemplateResponse(request, "ohms_regulatory/dashboard.html", context)


@require_POST
def compliance_bulk(request):
    """Bulk "mark ready" / "submit" of the ticked declarations (``<kind>:<id>``): each one
    through the same service as its button; what is refused is listed with its reason."""
    action = request.POST.get("action")
    if action not in BULK_ACTIONS:
        messages.error(request, _("Choose an action."))
        return redirect("ohms_regulatory_dashboard")
    if not (_allowed("cnssreport", "change") and _allowed("drcreport", "change")):
        raise PermissionDenied
    organization = get_context().organization
    wanted: dict[str, list[str]] = {"cnss": [], "drc": []}
    for value in request.POST.getlist("report"):
        kind, _sep, pk = value.partition(":")
        try:
            pk = uuid.UUID(pk)
        except ValueError:  # malformed: nothing of ours matches
            continue
        if kind in wanted:
            wanted[kind].append(pk)
    reports = []
    for kind, ids in wanted.items():
        if ids:  # another organization's ids match nothing
            reports += list(KIND_MODELS[kind].objects.filter(organization=organization, pk__in=ids))
    if not reports:
        messages.warning(request, _("No declaration selected."))
        return redirect("ohms_regulatory_dashboard")
    result = reports_bulk_transition(reports=reports, name=action, user=request.user)
    if result.done:
        messages.success(request, _("%(count)s declaration(s) updated: %(refs)s")
                         % {"count": len(result.done), "refs": ", ".join(result.done)})
    for reference, reason in result.refused:
        messages.error(request, _("%(reference)s refused: %(reason)s") % {"reference": reference, "reason": reason})
    return redirect("ohms_regulatory_dashboard")
