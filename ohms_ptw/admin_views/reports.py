"""The admin Reports page (SPEC 4.5 admin UI): filter bar, summary cards, exception
tables, and the exports.

Why the same selectors as the API: a card's number is ``permits/reports_summary/``'s for the
same querystring (``ohms_ptw.reports``, the KPI definitions of ``ohms_ptw.kpis``). The
filters live in the URL (a GET form), so a shared link reproduces the report. "Export
Excel (detailed)" and "Export PDF ZIP" post the report's filters, its range included, to the
permit list's bulk export (``admin_views.exports.bulk_export``): the same selection, limits,
confirmation and audit rows, no second implementation. "Export report" writes the report
itself (cards and exception tables) as PDF or Excel, with one audit row per export.
"""
from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from ohms_core import permissions as policy
from ohms_core import scoping
from ohms_core.context import get_context
from ohms_core.models import AuditAction
from ohms_core.services.audit import audit_record

from .. import reports
from ..exports import bulk
from ..exports.report import (
    exception_rows,
    generate_report_excel,
    generate_report_pdf,
    summary_cards,
)
from ..filters import PermitFilterError
from ..models import Permit, PermitType
from ..states import PermitStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The filter bar's parameters (the canonical filter's names).
FILTERS = ("project", "permit_type", "status", "date_from", "date_to")
REPORT_FORMATS = ("pdf", "xlsx")


def _may(resource: str) -> bool:
    ctx = get_context()
    return bool(policy.check(user=ctx.user, role=ctx.role, resource=resource, action="view"))


def _require_report_role():
    if not _may("permitreport"):
        raise PermissionDenied


def _filters(params) -> dict:
    """The filter bar's values from the querystring (statuses: repeated or comma-separated)."""
    data = {}
    for key in FILTERS:
        values = [v for value in params.getlist(key) for v in (value.split(",") if key == "status" else [value])
                  if v.strip()]
        if values:
            data[key] = values if key == "status" else values[-1]
    return data


def _report(request):
    """(permits, range, filters, errors) of the request, scoped to the member."""
    _require_report_role()
    organization = get_context().organization
    if organization is None:
        raise Http404
    base = scoping.scope_queryset(Permit.objects.all(), organization=organization)
    filters = _filters(request.GET)
    try:
        permits, rng = reports.report_queryset(base, filters, request=request, organization=organization)
        return permits, rng, filters, {}
    except PermitFilterError as exc:
        _data, rng = reports.report_params(filters)
        return None, rng, filters, exc.errors


def _effective(filters: dict, rng) -> list[tuple[str, str]]:
    """The report's filters with its range, as (name, value) pairs for forms and links."""
    pairs = [(key, value) for key, values in filters.items() if key not in ("date_from", "date_to")
             for value in (values if isinstance(values, list) else [values])]
    return pairs + [("date_from", rng.date_from), ("date_to", rng.date_to)]


def _filters_text(filters: dict, rng) -> str:
    """The filters in words for the exported report (names, not ids)."""
    parts = []
    if filters.get("project"):
        project = scoping.scope_queryset(_projects(), organization=get_context().organization).filter(
            pk=filters["project"]).first()
        parts.append(_("Project: %(name)s") % {"name": project or filters["project"]})
    if filters.get("permit_type"):
        permit_type = _permit_types().filter(pk=filters["permit_type"]).first()
        parts.append(_("Permit type: %(name)s") % {"name": permit_type or filters["permit_type"]})
    if filters.get("status"):
        parts.append(_("Status: %(names)s") % {"names": ", ".join(str(PermitStatus(s).label) for s in filters["status"])})
    return "; ".join(parts)


def _permit_types():
    return scoping.scope_queryset(PermitType.objects.all(), organization=get_context().organization)


def _projects():
    from ohms_core.models import Project

    return Project.objects.all()


def permit_reports(request):
    permits, rng, filters, errors = _report(request)
    now = timezone.now()
    context = {"errors": errors, "range": rng, "filters": filters, "as_of": now,
               "projects": scoping.scope_queryset(_projects(), organization=get_context().organization).order_by("name"),
               "permit_types": _permit_types().order_by("name"),
               "statuses": PermitStatus.choices, "selected_statuses": filters.get("status", []),
               "may_export": _may("permitexport"), "token": uuid.uuid4().hex,
               "effective": _effective(filters, rng)}
    if permits is not None:
        summary = reports.report_summary(permits, now=now, organization=get_context().organization)
        lists = reports.report_exceptions(permits, now=now)
        query = urlencode(_effective(filters, rng))
        context.update({
            "summary": summary, "cards": summary_cards(summary),
            "counts": [(str(PermitStatus(s).label), n) for s, n in summary["counts_by_status"].items() if n],
            "tables": [{"key": key, "label": label, "rows": exception_rows(key, lists[key], now),
                        "hours_label": _("Hours left") if key in reports.HOURS_LEFT_LISTS else _("Age (hours)")}
                       for key, label in reports.EXCEPTION_LISTS],
            "limit": reports.exception_limit(),
            "export_pdf_url": f"{reverse('ohms_ptw_reports_export')}?format=pdf&{query}",
            "export_xlsx_url": f"{reverse('ohms_ptw_reports_export')}?format=xlsx&{query}",
        })
    return TemplateResponse(request, "ohms_ptw/reports_page.html", context, status=400 if errors else 200)


@require_GET
def permit_reports_export(request):
    """The report itself (cards and exception tables) as ``?format=pdf`` or ``xlsx``."""
    permits, rng, filters, errors = _report(request)
    export_format = request.GET.get("format")
    if errors or export_format not in REPORT_FORMATS:
        return HttpResponse(_("These filters are not valid.") if errors else _("Choose a format."), status=400,
                            content_type="text/plain; charset=utf-8")
    now = timezone.now()
    organization = get_context().organization
    summary = reports.report_summary(permits, now=now, organization=organization)
    lists = reports.report_exceptions(permits, now=now)
    text = _filters_text(filters, rng)
    audit_record(action=AuditAction.EXPORT, user=request.user, organization=organization,
                 object_repr=_("Permit compliance report"),
                 changes={"report": "ptw_compliance", "format": export_format, "range": rng.as_dict(),
                          "filters": {k: v for k, v in filters.items() if k not in ("date_from", "date_to")},
                          "permits": sorted({p.permit_number for rows in lists.values() for p in rows})})
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    if export_format == "pdf":
        data = generate_report_pdf(summary=summary, lists=lists, rng=rng, filters_text=text, now=now)
        response = HttpResponse(data, content_type="application/pdf")
    else:
        spool = generate_report_excel(summary=summary, lists=lists, rng=rng, filters_text=text, now=now)
        response = StreamingHttpResponse(bulk.iter_file(spool), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="ptw-compliance-report-{stamp}.{export_format}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


# --- menu -------------------------------------------------------------------------------
class PermitReportsMenuItem(MenuItem):
    """Shown to the roles that may read the reports."""

    def is_shown(self, request):
        return bool(policy.check(user=request.user, role=get_context().role, resource="permitreport", action="view"))


class PermitReportsMenuEntry(ViewSet):
    """The Reports page (a custom screen) in the "Permit to work" group."""

    menu_label, icon = gettext_lazy("Reports"), "clipboard-list"

    @property
    def menu_url(self):
        return reverse("ohms_ptw_reports")

    def get_menu_item(self, order=None):
        return PermitReportsMenuItem(self.menu_label, self.menu_url, name=self.name, icon_name=self.icon,
                                     order=self.get_menu_item_order(order))
