"""Admin screens of PPE compliance (SPEC 3.5): items, the check log, and the compliance
screen (enterprise rates against the 95 % target, expiring items with a bulk check,
recent non-compliant checks). Checks are written through ``services.ppe``."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel

from ohms_core import permissions as policy
from ohms_core.admin_views.columns import Column
from ohms_core.admin_views.viewsets import ScopedModelViewSet, form_data
from ohms_core.context import get_context

from ..models import CheckType, ComplianceStatus, PPEComplianceRecord, PPEItem
from ..services import ppe as ppe_services


def require(resource: str, action: str = "view"):
    ctx = get_context()
    if not policy.check(user=ctx.user, role=ctx.role, resource=resource, action=action):
        raise PermissionDenied


class PPEItemViewSet(ScopedModelViewSet):
    model, resource, icon = PPEItem, "ppeitem", "tag"
    name, url_prefix = "health_ppe_items", "health/ppe-items"
    menu_label = _("PPE items")
    list_display = ["serial_number", "ppe_type", "enterprise", "worker", "expiry_date", "condition"]
    list_filter = ["ppe_type", "condition", "enterprise"]
    search_fields = ["serial_number", "description"]
    panels = [
        FieldRowPanel([FieldPanel("enterprise"), FieldPanel("worker")]),
        FieldRowPanel([FieldPanel("ppe_type"), FieldPanel("serial_number"), FieldPanel("description")]),
        FieldRowPanel([FieldPanel("issued_on"), FieldPanel("expiry_date"), FieldPanel("condition")]),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("enterprise", "worker")


class PPEComplianceRecordViewSet(ScopedModelViewSet):
    """The check log: add (through the service, which also updates the item's condition)
    and read; never edited."""

    model, resource, icon = PPEComplianceRecord, "ppecompliancerecord", "list-ul"
    name, url_prefix = "health_ppe_checks", "health/ppe-checks"
    menu_label = _("PPE checks")
    list_display = ["__str__", "ppe_item", "worker", "status",
                    Column("is_compliant", label=_("Compliant"), sort_key="is_compliant",  # Oui / Non, not True / False
                           accessor=lambda row: _("Yes") if row.is_compliant else _("No")),
                    "checked_by", "checked_at"]
    list_filter = ["status", "check_type", "is_compliant"]
    search_fields = ["ppe_item__serial_number", "notes"]
    panels = [FieldPanel("ppe_item"), FieldRowPanel([FieldPanel("check_type"), FieldPanel("status")]),
              FieldPanel("checked_at"), FieldPanel("notes"), FieldPanel("action_taken")]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("ppe_item", "worker", "checked_by")

    def create_object(self, form, request):
        data = form_data(form)
        return ppe_services.ppe_check_record(
            item=data["ppe_item"], check_type=data["check_type"], status=data.get("status"), user=request.user,
            notes=data.get("notes", ""), action_taken=data.get("action_taken", ""),
            checked_at=data.get("checked_at"))


class BulkCheckForm(forms.Form):
    check_type = forms.ChoiceField(label=_("Check type"), choices=CheckType.choices)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Compliant, or expired when past the expiry date")),
                                        *ComplianceStatus.choices])
    notes = forms.CharField(label=_("Notes"), required=False, max_length=4000)
    items = forms.ModelMultipleChoiceField(label=_("Items"), queryset=PPEItem.objects.none(),
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = PPEItem.objects.for_organization(organization)


def _days(request, default=30):
    try:
        return max(0, min(int(request.GET.get("days", default)), 3650))
    except ValueError:
        return default


def ppe_compliance(request):
    """Enterprise rates vs the 95 % target, expiring items (bulk check), recent non-compliance."""
    require("ppecompliancerecord")
    organization = get_context().organization
    form = BulkCheckForm(request.POST or None, organization=organization)
    if request.method == "POST":
        require("ppecompliancerecord", "add")
        if form.is_valid():
            records = ppe_services.ppe_bulk_check(
                items=list(form.cleaned_data["items"]), check_type=form.cleaned_data["check_type"],
                status=form.cleaned_data["status"] or None, user=request.user, notes=form.cleaned_data["notes"])
            messages.success(request, gettext("%(n)s checks recorded.") % {"n": len(records)})
            return redirect(request.get_full_path())
        messages.error(request, gettext("Choose the items and the check type."))
    days = _days(request)
    items = PPEItem.objects.for_organization(organization).select_related("enterprise", "worker")
    context = {
        "overall": ppe_services.compliance_rate(organization),
        "enterprises": ppe_services.compliance_by_enterprise(organization),
        "expiring": list(ppe_services.expiring_items(items, within_days=days)[:200]),
        "days": days,
        "non_compliant": list(PPEComplianceRecord.objects.for_organization(organization).filter(is_compliant=False)
                              .select_related("ppe_item", "worker")[:50]),
        "form": form,
        "target": ppe_services.COMPLIANCE_TARGET,
    }
    return TemplateResponse(request, "ohms_health/ppe_compliance.html", context)
