"""Admin screens of the CNSS and DRC declarations (menu "Regulatory").

Lists with filters (status, type, enterprise, overdue), search by reference, an overdue
badge and the deadline; the state buttons with reasons are core's ``TransitionsPanel``
(every path runs ``services.reports.report_transition``); creation goes through the
numbering service. Links and the type are frozen once created: they are what was declared.
"""
import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel

from ohms_core.admin_views.columns import BadgeColumn, Column
from ohms_core.admin_views.forms import ScopedAdminForm
from ohms_core.admin_views.viewsets import ScopedModelViewSet, form_data
from ohms_core.admin_views.workflow import TransitionsPanel
from ohms_core.context import get_context
from ohms_core.models import Enterprise

from ..models import CNSSReport, DRCReport, RegulatorySettings
from ..services import reports as services
from ..states import UNSUBMITTED_STATUSES, CNSSReportType, DRCReportType, ReportStatus

FROZEN = ("report_type", "enterprise", "incident", "disease", "exit_examination", "incidents", "diseases")


def _overdue(queryset, name, value):
    condition = Q(status__in=UNSUBMITTED_STATUSES, deadline_at__lte=timezone.now())
    return queryset.filter(condition) if value else queryset


class _DeclarationFilterSet(WagtailFilterSet):
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=ReportStatus.choices,
                                                 widget=forms.CheckboxSelectMultiple)
    enterprise = django_filters.ModelChoiceFilter(label=_("Enterprise"), queryset=Enterprise.objects.all())
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method=_overdue,
                                           widget=forms.CheckboxInput)


class CNSSReportFilterSet(_DeclarationFilterSet):
    report_type = django_filters.MultipleChoiceFilter(label=_("Type"), choices=CNSSReportType.choices,
                                                      widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = CNSSReport
        fields = ["status", "report_type", "enterprise", "overdue"]


class DRCReportFilterSet(_DeclarationFilterSet):
    report_type = django_filters.MultipleChoiceFilter(label=_("Type"), choices=DRCReportType.choices,
                                                      widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = DRCReport
        fields = ["status", "report_type", "enterprise", "overdue"]


class DeadlineColumn(Column):
    """The deadline, with a red "Overdue" badge when passed and not filed."""

    def get_value(self, instance):
        if not instance.deadline_at:
            return "—"
        text = timezone.localtime(instance.deadline_at).strftime("%Y-%m-%d %H:%M")
        if instance.is_overdue:
            return format_html('{} <span class="w-status w-status--label reg-overdue" data-overdue>{}</span>', text,
                               _("Overdue"))
        return text


class DeclarationForm(ScopedAdminForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in FROZEN:
                if name in self.fields:
                    self.fields[name].disabled = True


def _panels(links):
    return [
        MultiFieldPanel([FieldRowPanel([FieldPanel("report_type"), FieldPanel("enterprise")]), *links,
                         FieldRowPanel([FieldPanel("period_year"), FieldPanel("period_month"),
                                        FieldPanel("period_quarter")]),
                         FieldPanel("notes")], heading=_("Declaration")),
        MultiFieldPanel([FieldPanel("authority_reference"), FieldPanel("authority_response"),
                         FieldPanel("required_actions"), FieldPanel("follow_up_deadline")],
                        heading=_("Authority response")),
        TransitionsPanel(),
    ]


class _DeclarationViewSet(ScopedModelViewSet):
    base_form_class = DeclarationForm
    search_fields = ["reference_number", "authority_reference", "notes"]
    ordering = "-created_at"
    list_per_page = 25
    list_display = [
        "reference_number",
        BadgeColumn("report_type", label=_("Type"), sort_key="report_type"),
        Column("enterprise", label=_("Enterprise"), accessor="enterprise"),
        BadgeColumn("status", label=_("Status"), sort_key="status"),
        DeadlineColumn("deadline_at", label=_("Deadline"), sort_key="deadline_at"),
        "submitted_at",
    ]

    def get_queryset(self, request):
        return self.model.objects.select_related("enterprise")

    def update_object(self, instance, form, request):
        data = {k: v for k, v in form_data(form).items() if k not in FROZEN}
        from ohms_core.services.records import record_update

        return record_update(instance=instance, data=data, user=request.user)


class CNSSReportViewSet(_DeclarationViewSet):
    model, resource, icon = CNSSReport, "cnssreport", "doc-full"
    name, url_prefix = "regulatory_cnss_report", "regulatory/cnss-reports"
    menu_label = _("CNSS declarations")
    filterset_class = CNSSReportFilterSet
    panels = _panels([FieldRowPanel([FieldPanel("incident"), FieldPanel("disease")]),
                      FieldPanel("exit_examination")])

    def create_object(self, form, request):
        return services.cnss_report_create(organization=get_context().organization, data=form_data(form),
                                           user=request.user)


class DRCReportViewSet(_DeclarationViewSet):
    model, resource, icon = DRCReport, "drcreport", "doc-full-inverse"
    name, url_prefix = "regulatory_drc_report", "regulatory/drc-reports"
    menu_label = _("DRC reports")
    filterset_class = DRCReportFilterSet
    panels = _panels([FieldPanel("incidents"), FieldPanel("diseases")])

    def create_object(self, form, request):
        return services.drc_report_create(organization=get_context().organization, data=form_data(form),
                                          user=request.user)


class RegulatorySettingsForm(ScopedAdminForm):
    def clean(self):
        """One row per organization: a second one is a form error (the organization is not a
        form field, so the unique constraint alone would only fail at save)."""
        cleaned = super().clean()
        if self.instance._state.adding and RegulatorySettings.all_objects.filter(
                organization=get_context().organization).exists():
            raise forms.ValidationError(_("This organization already has its statutory delays: edit them."))
        return cleaned


class RegulatorySettingsViewSet(ScopedModelViewSet):
    """Statutory delays of the organization (one row; without one the defaults apply)."""

    base_form_class = RegulatorySettingsForm
    model, resource, icon = RegulatorySettings, "regulatorysettings", "cog"
    name, url_prefix = "regulatory_settings", "regulatory/settings"
    menu_label = _("Statutory delays")
    inspect_view_enabled = False
    list_display = ["__str__", "fatal_incident_hours", "severe_incident_hours", "disease_notice_days"]
    panels = [FieldRowPanel([FieldPanel("fatal_incident_hours"), FieldPanel("severe_incident_hours"),
                             FieldPanel("disease_notice_days")])]
