"""Admin alert monitor (SPEC 3.3) and the threshold settings screen.

The monitor lists alerts with colour-coded severity badges, filters and a worker search;
each open row has quick Acknowledge / Resolve buttons that POST (with CSRF) to core's
generic transition URL, so they run the same permission, gates and services as the API;
ticked rows are acknowledged together by ``alerts_bulk_acknowledge_view``. The history view
of every BaseModel screen gives the alert's history.
"""
import uuid

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel

from ohms_core import permissions as core_permissions
from ohms_core.admin_views.columns import BadgeColumn, Column
from ohms_core.admin_views.forms import ScopedAdminForm
from ohms_core.admin_views.viewsets import ScopedInspectView, ScopedModelViewSet, form_data
from ohms_core.admin_views.workflow import TransitionsPanel
from ohms_core.context import get_context

from ..models import AlertThreshold, OverexposureAlert
from ..models.alerts import OPEN_STATUSES, AlertStatus
from ..services import alerts as alert_services

BULK_FORM_ID = "ohms-alert-bulk"


class SelectColumn(Column):
    """A checkbox per open alert, bound to the bulk form outside the table (``form=``)."""

    cell_template_name = "ohms_health/alerts_select_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context.update({"form_id": BULK_FORM_ID, "selectable": instance.status == AlertStatus.ACTIVE})
        return context


class QuickActionsColumn(Column):
    """Acknowledge (active) / Resolve with the actions taken (acknowledged)."""

    cell_template_name = "ohms_health/alerts_actions_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = context.get("request")
        content_type = ContentType.objects.get_for_model(OverexposureAlert)
        context.update({
            "csrf_token_value": get_token(request) if request else "",
            "next_url": request.get_full_path() if request else "",
            "acknowledge_url": reverse("ohms_transition", args=[content_type.pk, instance.pk, "acknowledge"]),
            "resolve_url": reverse("ohms_transition", args=[content_type.pk, instance.pk, "resolve"]),
            "is_active": instance.status == AlertStatus.ACTIVE,
            "is_acknowledged": instance.status == AlertStatus.ACKNOWLEDGED,
        })
        return context


def _worker(alert):
    return f"{alert.worker.employee_number} — {alert.worker.contact}"


def _shows_values(alert) -> bool:
    """Exam-derived values (the percentage included) are for medical readers only."""
    from ..services import MEDICAL_READERS

    return alert.shows_exam_values or get_context().role in MEDICAL_READERS


def _percent(alert):
    return f"{alert.percent_of_limit} %" if _shows_values(alert) else "—"


class PercentOfLimitColumn(Column):
    """Sortable for medical readers only: sorting by the percentage ranks exam-derived
    alerts whose percentage is hidden (``alert_ordering``). Without a sort key Wagtail
    neither links the header nor accepts ``?ordering=percent_of_limit``."""

    @property
    def sort_key(self):
        from ..alert_ordering import PERCENT_FIELD, may_order_by_percent

        return PERCENT_FIELD if may_order_by_percent(get_context().role) else None

    @sort_key.setter
    def sort_key(self, value):
        pass  # chosen per request by role (above)


class AlertInspectView(ScopedInspectView):
    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)  # Wagtail reads the fields before the object
        if not _shows_values(self.object):
            self.fields = [name for name in self.fields if name != "percent_of_limit"]


#: Exam results behind an exam-derived alert: medical readers only (DECISIONS 12).
EXAM_VALUE_FIELDS = ("measured_value", "exposure_limit", "unit", "source_exam")


class OverexposureAlertForm(ScopedAdminForm):
    """Raising by hand: the severity is computed by the service (below warning: refused).
    On an alert raised from an exam, non-medical roles do not get the exam's values."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from ..services import MEDICAL_READERS

        if get_context().role in MEDICAL_READERS:
            return
        # Examinations are not listed to other roles, and an exam-derived alert's values stay hidden.
        hidden = EXAM_VALUE_FIELDS if self.instance.pk and self.instance.source_exam_id else ("source_exam",)
        for name in hidden:
            self.fields.pop(name, None)

    def clean(self):
        cleaned = super().clean()
        worker = cleaned.get("worker")
        for name in ("source_exam", "source_exposure"):
            source = cleaned.get(name)
            if source is not None and worker is not None and source.worker_id != worker.pk:
                self.add_error(name, _("The source belongs to another worker."))
        return cleaned


class OverexposureAlertViewSet(ScopedModelViewSet):
    model, resource, icon = OverexposureAlert, "overexposurealert", "warning"
    name, url_prefix = "health_overexposure_alerts", "health/overexposure-alerts"
    menu_label = gettext_lazy("Overexposure alerts")
    base_form_class = OverexposureAlertForm
    index_results_template_name = "ohms_health/alerts_index_results.html"
    list_display = [
        SelectColumn("select", label=""),
        BadgeColumn("severity", prefix="health-alert-", label=gettext_lazy("Severity")),
        Column("worker", label=gettext_lazy("Worker"), accessor=_worker),
        "exposure_type",
        PercentOfLimitColumn("percent_of_limit", label=gettext_lazy("% of limit"), accessor=_percent),
        BadgeColumn("status", prefix="health-alert-status-", label=gettext_lazy("Status")),
        "created_at",
        QuickActionsColumn("quick_actions", label=gettext_lazy("Quick actions")),
    ]
    list_filter = {"severity": ["exact"], "status": ["exact"], "exposure_type": ["exact"]}
    search_fields = ["worker__employee_number", "worker__contact__first_name", "worker__contact__last_name"]
    ordering = ["-created_at"]

    inspect_view_class = AlertInspectView
    inspect_view_fields = ["worker", "exposure_type", "percent_of_limit", "severity", "status", "source_exposure",
                           "notes", "actions_taken", "acknowledged_by", "acknowledged_at", "resolved_by",
                           "resolved_at", "created_at"]

    def get_queryset(self, request):
        return OverexposureAlert.objects.select_related("worker", "worker__contact")

    def get_edit_handler(self):
        """Raised by hand with the values; afterwards only notes change, the rest is the
        state machine's (buttons with the reasons they are disabled)."""
        from wagtail.admin.panels import ObjectList

        return ObjectList([
            FieldRowPanel([FieldPanel("worker"), FieldPanel("exposure_type")]),
            FieldRowPanel([FieldPanel("measured_value"), FieldPanel("exposure_limit"), FieldPanel("unit")]),
            FieldRowPanel([FieldPanel("source_exam"), FieldPanel("source_exposure")]),
            FieldPanel("notes"),
            TransitionsPanel(),
        ], base_form_class=self.base_form_class).bind_to_model(self.model)

    def create_object(self, form, request):
        data = form_data(form)
        return alert_services.alert_create(organization=get_context().organization, user=request.user, **{
            name: data.get(name) for name in ("worker", "exposure_type", "measured_value", "exposure_limit", "unit",
                                              "source_exam", "source_exposure", "notes")})

    def update_object(self, instance, form, request):
        from ohms_core.services.records import record_update

        for name in ("worker", "exposure_type", "measured_value", "exposure_limit", "unit", "source_exam",
                     "source_exposure"):
            if name in form.changed_data:
                raise DjangoValidationError({name: _("An alert's values cannot change: delete it and raise a "
                                                     "new one.")})
        return record_update(instance=instance, data={"notes": form.cleaned_data.get("notes", "")},
                             user=request.user)


class AlertThresholdForm(ScopedAdminForm):
    def clean(self):
        """One row per exposure type (the organization is not a form field, so the partial
        unique constraint alone would only fail at save)."""
        from ..models.alerts import normalize_exposure_type

        cleaned = super().clean()
        kind = normalize_exposure_type(cleaned.get("exposure_type", ""))
        duplicate = AlertThreshold.objects.filter(organization=get_context().organization, exposure_type=kind)
        if self.instance.pk:
            duplicate = duplicate.exclude(pk=self.instance.pk)
        if duplicate.exists():
            self.add_error("exposure_type", _("This exposure type already has thresholds: edit them."))
        return cleaned


class AlertThresholdViewSet(ScopedModelViewSet):
    """Per exposure type; an empty type is the default of the others; no row = seed."""

    model, resource, icon = AlertThreshold, "alertthreshold", "cog"
    name, url_prefix = "health_alert_thresholds", "health/alert-thresholds"
    menu_label = gettext_lazy("Alert thresholds")
    base_form_class = AlertThresholdForm
    inspect_view_enabled = False
    list_display = ["__str__", "warning_percent", "critical_percent", "emergency_above_percent"]
    panels = [
        FieldPanel("exposure_type"),
        MultiFieldPanel([FieldRowPanel([FieldPanel("warning_percent"), FieldPanel("critical_percent"),
                                        FieldPanel("emergency_above_percent")])],
                        heading=gettext_lazy("Severity thresholds (% of the exposure limit)")),
    ]


@require_POST
def alerts_bulk_acknowledge_view(request):
    """The monitor's bulk action: ticked ids, acknowledged one by one by the service (ids of
    another organization are not found and never touched)."""
    ctx = get_context()
    decision = core_permissions.check(user=request.user, role=ctx.role, resource="overexposurealert", action="change")
    if not decision or ctx.organization is None:
        raise PermissionDenied
    back = request.POST.get("next") or reverse("health_overexposure_alerts:index")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("health_overexposure_alerts:index")
    ids = []
    for raw in request.POST.getlist("alert_ids"):
        try:
            ids.append(str(uuid.UUID(raw)))
        except ValueError:
            continue
    if not ids:
        messages.warning(request, _("Tick the alerts to acknowledge first."))
        return redirect(back)
    result = alert_services.alerts_bulk_acknowledge(organization=ctx.organization, ids=ids, user=request.user,
                                                    comment=request.POST.get("notes", ""))
    if result.acknowledged:
        messages.success(request, _("%(count)s alerts acknowledged.") % {"count": len(result.acknowledged)})
    if result.skipped:
        messages.warning(request, _("%(count)s alerts not acknowledged: %(reasons)s") % {
            "count": len(result.skipped), "reasons": "; ".join(sorted({s["message"] for s in result.skipped}))})
    return redirect(back)


@hooks.register("insert_global_admin_css")
def alerts_admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("ohms_health/alerts.css"))


@hooks.register("register_admin_urls")
def register_alert_urls():
    return [path("health/overexposure-alerts-bulk/acknowledge/", alerts_bulk_acknowledge_view,
                 name="ohms_health_alerts_bulk_acknowledge")]


__all__ = ["OPEN_STATUSES", "AlertThresholdViewSet", "OverexposureAlertViewSet"]
