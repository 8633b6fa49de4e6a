"""Admin screens of the policy pages: the "Policies to read" dashboard panel, the who-has-read
report per policy with its Excel export, and "create the French/English version".

Every view looks the page up among the acting organization's policies only (another
organization's page is a 404) and checks the role through ``ohms_core.permissions``.
"""
from __future__ import annotations

import io

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
from wagtail.admin.ui.components import Component

from ohms_core import permissions as core_permissions
from ohms_core.context import get_context

from ..models import PolicyPage
from ..policy_selectors import policies_to_read, policy_read_counts, policy_read_report

REPORT_RESOURCE = "policyreport"
STATUS_LABELS = {"acknowledged": gettext_lazy("acknowledged"), "pending": gettext_lazy("pending"),
                 "overdue": gettext_lazy("overdue")}


class PoliciesToReadPanel(Component):
    """Dashboard panel: the policies targeting the person whose current version they have
    not acknowledged yet."""

    name = "ohms_policies_to_read"
    order = 30
    template_name = "ohms_regulatory/policy_panel.html"

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context=None):
        ctx = get_context()
        return {"policies": policies_to_read(self.request.user, ctx.organization),
                "can_report": _may_report(self.request)}


def _may_report(request) -> bool:
    ctx = get_context()
    return core_permissions.check(user=request.user, role=ctx.role, resource=REPORT_RESOURCE, action="view").allowed


def _policy_of_organization(pk) -> PolicyPage:
    organization = get_context().organization
    page = PolicyPage.objects.filter(pk=pk, organization=organization).select_related("locale").first() if organization else None
    if page is None:
        raise Http404
    return page


def _require_report(request):
    decision = core_permissions.check(user=request.user, role=get_context().role, resource=REPORT_RESOURCE, action="view")
    if not decision.allowed:
        raise PermissionDenied(decision.reason)


def policy_list(request):
    """The organization's policies with their read counts (one report per policy)."""
    _require_report(request)
    organization = get_context().organization
    pages = (PolicyPage.objects.filter(organization=organization).select_related("locale")
             .prefetch_related("audience_sites", "audience_enterprises").order_by("title", "locale__language_code")
             if organization else PolicyPage.objects.none())
    counts = policy_read_counts([page for page in pages if page.live], organization=organization)
    rows = [(page, counts.get(page.pk)) for page in pages]
    return TemplateResponse(request, "ohms_regulatory/policy_list.html", {"rows": rows, "page_title": _("Policies: who has read")})


def policy_report(request, pk):
    _require_report(request)
    page = _policy_of_organization(pk)
    report = policy_read_report(page)
    return TemplateResponse(request, "ohms_regulatory/policy_report.html", {
        "page": page, "report": report, "status_labels": STATUS_LABELS,
        "page_title": _("Who has read: %(title)s") % {"title": page.title}})


def policy_report_xlsx(request, pk):
    """The who-has-read report as an Excel workbook (audited like every export)."""
    from openpyxl import Workbook

    from ohms_core.models.audit import AuditAction
    from ohms_core.services.audit import audit_record

    _require_report(request)
    page = _policy_of_organization(pk)
    report = policy_read_report(page)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Who has read")[:31])
    sheet.append([_("Policy"), page.title, _("Version"), report.version])
    sheet.append([_("Due date"), report.due_date.isoformat() if report.due_date else ""])
    sheet.append([])
    sheet.append([_("Name"), _("E-mail"), _("Status"), _("Acknowledged at")])
    for row in report.rows:
        sheet.append([row.user.get_full_name() or row.user.email, row.user.email, str(STATUS_LABELS[row.status]),
                      timezone.localtime(row.acknowledged_at).strftime("%Y-%m-%d %H:%M") if row.acknowledged_at else ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    audit_record(action=AuditAction.EXPORT, user=request.user, organization=page.organization,
                 object_repr=f"policy read report: {page.title} v{report.version}"[:200])
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="policy-{page.pk}-v{report.version}-readers.xlsx"'
    return response


@require_POST
def policy_translate(request, pk, language):
    """Create the draft translation of a policy (the editor then edits and submits it)."""
    from ..services.policies import LANGUAGES, policy_translation_create

    page = _policy_of_organization(pk)
    if language not in LANGUAGES or language == page.locale.language_code:
        raise Http404
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied(_("You may not edit this policy."))
    copy = policy_translation_create(page=page, language=language, user=request.user)
    messages.success(request, _("Draft translation created: edit it, then submit it for approval."))
    return redirect(reverse("wagtailadmin_pages:edit", args=[copy.pk]))
