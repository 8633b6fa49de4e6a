"""Admin exports of permits (SPEC 2.10 "Admin UI").

The permit screen's Export PDF / Excel / Excel (detailed) links, and the list's bulk
export: the selected rows (``?id=…``) or, when nothing is selected, the list's current
filters. A confirmation page shows how many permits the export holds (and asks to confirm
above ``PTW_EXPORT_CONFIRM_ABOVE``), refuses beyond the bulk limit, then downloads while a
"preparing" message shows (cleared when the file starts arriving: a cookie set by the
response). Same selection, scoping, limits and audit rows as the API (``exports.bulk``).
"""
from __future__ import annotations

import re
import uuid

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as DrfValidationError

from ohms_core import permissions as core_permissions
from ohms_core.admin_views.columns import Column
from ohms_core.context import get_context

from .. import selectors
from ..exports import bulk
from ..exports.pdf import generate_audit_ready_pdf
from ..exports.selectors import permit_for_export

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("pdf_zip", "xlsx", "xlsx_detailed")
#: Parameters of the list that are not filters.
NOT_FILTERS = {"p", "id", "format", "confirm", "token", "csrfmiddlewaretoken", "ordering_by"}
TOKEN_COOKIE = "ptw_export_token"


def _require_export_role(request):
    decision = core_permissions.check(user=request.user, role=get_context().role, resource="permitexport", action="view")
    if not decision:
        raise PermissionDenied(decision.reason)


def _scoped():
    organization = get_context().organization
    if organization is None:
        raise Http404
    return selectors.permit_queryset(organization=organization)


def _attachment(response, filename, token=""):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    if token and re.fullmatch(r"[0-9a-f]{32}", token):
        response.set_cookie(TOKEN_COOKIE, token, max_age=120, samesite="Lax", secure=False, httponly=False)
    return response


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


@require_GET
def permit_pdf(request, pk):
    """The permit screen's Export PDF."""
    queryset = _scoped()
    permit = permit_for_export(pk, queryset=queryset)
    if permit is None:
        raise Http404
    _require_export_role(request)
    data = generate_audit_ready_pdf(permit)
    bulk.audit_export(permits=[permit], user=request.user, organization=get_context().organization, kind="pdf")
    return _attachment(HttpResponse(data, content_type="application/pdf"), bulk.zip_filename(permit))


@require_GET
def permit_excel(request, pk):
    """The permit screen's Export Excel (``?detailed=1``: the five sheets)."""
    queryset = _scoped()
    if not queryset.filter(pk=pk).exists():
        raise Http404
    _require_export_role(request)
    return _excel_response(request, queryset, [pk], detailed=request.GET.get("detailed") == "1",
                           name=f"permit-{queryset.get(pk=pk).permit_number}")


def _excel_response(request, queryset, ids, *, detailed, name, token=""):
    organization = get_context().organization
    permits = queryset.filter(pk__in=ids).select_related(None).only("pk", "permit_number", "title", "organization_id")
    bulk.audit_export(permits=permits, user=request.user, organization=organization, kind="xlsx", detailed=detailed,
                      batch=str(uuid.uuid4()))
    spool = bulk.excel_file(queryset, ids, detailed=detailed)
    suffix = "-detailed" if detailed else ""
    return _attachment(StreamingHttpResponse(bulk.iter_file(spool), content_type=XLSX), f"{name}{suffix}.xlsx", token)


def _selection(request, params):
    """(ids, filters) of the request: the selected rows, else the list's filters."""
    # the list's own filterset: "current filters" mean what the list shows
    from .permits import PermitFilterSet

    ids = [value for value in params.getlist("id") if value]
    filters = {key: params.getlist(key) for key in params if key not in NOT_FILTERS}
    selected = bulk.select_permit_ids(_scoped(), permit_ids=ids or None, filters=None if ids else filters,
                                      filterset_class=PermitFilterSet, request=request,
                                      organization=get_context().organization)
    return ids, filters, selected


@require_http_methods(["GET", "POST"])
def bulk_export(request):
    """Confirmation page (GET) and download (POST) of a bulk export from the permit list."""
    _require_export_role(request)
    params = request.POST if request.method == "POST" else request.GET
    context = {"limit": bulk.bulk_limit(), "threshold": bulk.confirm_threshold(),
               "list_url": reverse("ptw_permit:index"), "token": uuid.uuid4().hex}
    try:
        ids, filters, selected = _selection(request, params)
    except bulk.ExportLimitExceeded as exc:
        return render(request, "ohms_ptw/exports_confirm.html", {**context, "error": exc.message}, status=400)
    except (NotFound, DrfValidationError) as exc:
        message = _("No permit to export.") if isinstance(exc, NotFound) else _("These filters are not valid.")
        return render(request, "ohms_ptw/exports_confirm.html", {**context, "error": message}, status=400)
    hidden = [("id", value) for value in ids] + [(key, value) for key, values in filters.items() for value in values
                                                  if not ids]
    context.update({"count": len(selected), "by_selection": bool(ids), "hidden": hidden,
                    "needs_confirm": len(selected) > context["threshold"]})
    if request.method == "GET" or not selected:
        if not selected:
            context["error"] = _("No permit matches these filters.")
        return render(request, "ohms_ptw/exports_confirm.html", context, status=200 if selected else 400)
    export_format = params.get("format")
    if export_format not in FORMATS:
        return render(request, "ohms_ptw/exports_confirm.html", {**context, "error": _("Choose a format.")}, status=400)
    if context["needs_confirm"] and params.get("confirm") != "1":
        return render(request, "ohms_ptw/exports_confirm.html",
                      {**context, "error": _("Tick the confirmation to export more than %(n)s permits.") % {
                          "n": context["threshold"]}}, status=400)
    queryset, token = _scoped(), params.get("token", "")
    if export_format == "pdf_zip":
        bulk.audit_export(permits=queryset.filter(pk__in=selected).select_related(None).only("pk", "permit_number", "title", "organization_id"),
                          user=request.user, organization=get_context().organization, kind="pdf_zip",
                          batch=str(uuid.uuid4()))
        response = StreamingHttpResponse(bulk.stream_pdf_zip(queryset, selected), content_type="application/zip")
        return _attachment(response, f"permits-{_stamp()}.zip", token)
    return _excel_response(request, queryset, selected, detailed=export_format == "xlsx_detailed",
                           name=f"permits-{_stamp()}", token=token)


class ExportSelectColumn(Column):
    """A checkbox per row: the rows the list's Export button takes (ohms_ptw/exports.js)."""

    header_template_name = "ohms_ptw/exports_select_header.html"

    def __init__(self):
        super().__init__("export_select", label=_("Select for export"), width="1%")

    def render_cell_html(self, instance, parent_context):
        label = _("Select %(number)s for export") % {"number": instance.permit_number}
        return format_html('<td><input type="checkbox" data-ptw-export-select value="{}" aria-label="{}"></td>',
                           instance.pk, label)


def export_header_buttons(request) -> list:
    """The permit list's "Export…" button: the current filters, or the ticked rows (JS)."""
    from wagtail.admin.widgets.button import HeaderButton

    decision = core_permissions.check(user=request.user, role=get_context().role, resource="permitexport", action="view")
    if not decision:
        return []
    query = request.GET.copy()
    query.pop("p", None)
    url = reverse("ptw_permit:bulk_export") + (f"?{query.urlencode()}" if query else "")
    return [HeaderButton(_("Export…"), url=url, icon_name="download", attrs={"data-ptw-export-link": ""})]
