"""Admin screens of quality audits and their findings (Regulatory menu).

Findings have their own screen (filterable by audit, status, overdue), like the incident's
corrective actions: ``BaseModel`` is not clusterable, so they are not InlinePanels; the
audit's edit page lists them. The state buttons are core's ``TransitionsPanel`` (with the
reason a transition is blocked).
"""
import django_filters
from django import forms
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, Panel

from ohms_core.admin_views.columns import BadgeColumn, Column
from ohms_core.admin_views.forms import ScopedAdminForm
from ohms_core.admin_views.viewsets import ScopedCreateView, ScopedModelViewSet
from ohms_core.admin_views.workflow import TransitionsPanel
from ohms_core.context import get_context
from ohms_core.models import Site
from ohms_core.scoping import active_members

from ..models import AuditFinding, AuditResult, FindingSeverity, FindingStatus, QualityAudit
from ..models.audits import OPEN_FINDING_STATES


class FindingsPanel(Panel):
    """The audit's findings with their state, owner and due date (links to their screen)."""

    def __init__(self, heading=None, **kwargs):
        super().__init__(heading=heading or _("Findings"), **kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "ohms_regulatory/audit_findings_panel.html"

        def is_shown(self):
            return self.instance is not None and not self.instance._state.adding

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["findings"] = self.instance.findings.select_related("owner").order_by("reference", "created_at")
            context["audit"] = self.instance
            return context


class QualityAuditFilterSet(WagtailFilterSet):
    site = django_filters.ModelChoiceFilter(label=_("Site"), queryset=Site.objects.all())
    result = django_filters.MultipleChoiceFilter(label=_("Result"), choices=AuditResult.choices,
                                                 widget=forms.CheckboxSelectMultiple)
    audit_date = django_filters.DateFromToRangeFilter(label=_("Audit date"), widget=DateRangePickerWidget)

    class Meta:
        model = QualityAudit
        fields = ["site", "result", "audit_date"]


class QualityAuditViewSet(ScopedModelViewSet):
    model, resource, icon = QualityAudit, "qualityaudit", "clipboard-list"
    name, url_prefix = "regulatory_quality_audit", "regulatory/quality-audits"
    menu_label = _("Quality audits")
    filterset_class = QualityAuditFilterSet
    search_fields = ["standard", "scope", "lead_auditor", "summary"]
    ordering = "-audit_date"
    list_display = [
        "__str__",
        Column("site", label=_("Site"), accessor="site"),
        "audit_date",
        BadgeColumn("result", label=_("Result"), sort_key="result"),
        Column("findings_count", label=_("Findings")),
        Column("open_findings_count", label=_("Open findings")),
    ]
    panels = [
        MultiFieldPanel([
            FieldRowPanel([FieldPanel("site"), FieldPanel("audit_date")]),
            FieldRowPanel([FieldPanel("standard"), FieldPanel("lead_auditor")]),
            FieldPanel("scope"),
        ], heading=_("Audit")),
        MultiFieldPanel([FieldPanel("result"), FieldPanel("summary"), FieldPanel("report")], heading=_("Outcome")),
        FindingsPanel(),
    ]

    def get_queryset(self, request):
        live = Q(findings__is_deleted=False)
        return QualityAudit.objects.select_related("site").annotate(
            findings_count=Count("findings", filter=live, distinct=True),
            open_findings_count=Count("findings", filter=live & Q(findings__status__in=OPEN_FINDING_STATES),
                                      distinct=True)).order_by("-audit_date", "-created_at")


class OverdueFilter(django_filters.BooleanFilter):
    def filter(self, queryset, value):
        if value is None:
            return queryset
        overdue = Q(status__in=OPEN_FINDING_STATES, due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class AuditFindingFilterSet(WagtailFilterSet):
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=FindingStatus.choices,
                                                 widget=forms.CheckboxSelectMultiple)
    severity = django_filters.MultipleChoiceFilter(label=_("Severity"), choices=FindingSeverity.choices,
                                                   widget=forms.CheckboxSelectMultiple)
    overdue = OverdueFilter(label=_("Overdue"))
    audit = django_filters.ModelChoiceFilter(label=_("Audit"), queryset=QualityAudit.objects.all())

    class Meta:
        model = AuditFinding
        fields = ["status", "severity", "overdue", "audit"]


class AuditFindingForm(ScopedAdminForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:  # user choices are not tenant-scoped by the base form
            self.fields["owner"].queryset = active_members(get_context().organization)


class OverdueColumn(Column):
    """The due date, flagged when the action is overdue."""

    cell_template_name = "ohms_regulatory/tables/due_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["overdue"] = instance.is_overdue
        return context


class AuditFindingCreateView(ScopedCreateView):
    """"Add a finding" from an audit's page arrives with ``?audit=<id>``: the audit is
    preselected (the form's scoped choices still decide what may be picked)."""

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("audit"):
            initial["audit"] = self.request.GET["audit"]
        return initial


class AuditFindingViewSet(ScopedModelViewSet):
    model, resource, icon = AuditFinding, "auditfinding", "tasks"
    add_view_class = AuditFindingCreateView
    name, url_prefix = "regulatory_audit_finding", "regulatory/audit-findings"
    menu_label = _("Audit findings")
    base_form_class = AuditFindingForm
    filterset_class = AuditFindingFilterSet
    search_fields = ["reference", "clause", "description", "corrective_action"]
    ordering = "due_date"
    list_display = [
        "__str__",
        Column("audit", label=_("Audit"), accessor="audit"),
        BadgeColumn("severity", label=_("Severity"), sort_key="severity"),
        Column("owner", label=_("Owner"), accessor="owner"),
        OverdueColumn("due_date", label=_("Due date"), sort_key="due_date"),
        BadgeColumn("status", label=_("Status"), sort_key="status"),
    ]
    panels = [
        MultiFieldPanel([
            FieldPanel("audit"),
            FieldRowPanel([FieldPanel("reference"), FieldPanel("severity"), FieldPanel("clause")]),
            FieldPanel("description"),
        ], heading=_("Finding")),
        MultiFieldPanel([
            FieldRowPanel([FieldPanel("owner"), FieldPanel("due_date")]),
            FieldPanel("corrective_action"), FieldPanel("action_taken"),
        ], heading=_("Corrective action")),
        TransitionsPanel(),
    ]

    def get_queryset(self, request):
        return AuditFinding.objects.select_related("audit__site", "owner")
