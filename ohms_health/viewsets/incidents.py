"""Admin screens of incidents and occupational diseases (Occupational health menu).

``BaseModel`` is not a ``ClusterableModel``, so injuries and corrective actions are not
InlinePanels: they have their own screens (filterable by incident), like the permit's child
rows, and the incident's edit page lists them. Writes call the same services as the API
(event on report, closed incidents frozen, medical roles and audit for diseases); the state
machine's buttons are the core ``TransitionsPanel``.
"""
import django_filters
from django import forms
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, Panel

from ohms_core.admin_views.columns import BadgeColumn, Column
from ohms_core.admin_views.forms import ScopedAdminForm
from ohms_core.admin_views.viewsets import (
    ScopedEditView,
    ScopedIndexView,
    ScopedInspectView,
    ScopedModelViewSet,
    form_data,
)
from ohms_core.admin_views.workflow import TransitionsPanel
from ohms_core.context import get_context
from ohms_core.models import Enterprise
from ohms_core.scoping import active_members

from ..models import (
    CorrectiveAction,
    Incident,
    IncidentInjury,
    IncidentSeverity,
    IncidentStatus,
    OccupationalDisease,
)
from ..services import audit_medical_reads, medical_record_delete, medical_record_update
from ..services import incidents as incident_services


@hooks.register("insert_global_admin_css")
def incidents_admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("ohms_health/incidents.css"))



# --- incidents -------------------------------------------------------------------------------

class IncidentRowsPanel(Panel):
    """The incident's injuries and corrective actions, with links to their screens (they are
    not InlinePanels: BaseModel is not clusterable)."""

    def __init__(self, heading=None, **kwargs):
        super().__init__(heading=heading or _("Injuries and corrective actions"), **kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "ohms_health/incidents_rows_panel.html"

        def is_shown(self):
            return self.instance is not None and not self.instance._state.adding

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["injuries"] = self.instance.injuries.select_related("worker__contact")
            context["actions"] = self.instance.corrective_actions.select_related("owner")
            return context


class IncidentFilterSet(WagtailFilterSet):
    severity = django_filters.MultipleChoiceFilter(label=_("Severity"), choices=IncidentSeverity.choices,
                                                   widget=forms.CheckboxSelectMultiple)
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=IncidentStatus.choices,
                                                 widget=forms.CheckboxSelectMultiple)
    enterprise = django_filters.ModelChoiceFilter(label=_("Enterprise"), queryset=Enterprise.objects.all())
    occurred = django_filters.DateFromToRangeFilter(label=_("Occurred"), field_name="occurred_at",
                                                    widget=DateRangePickerWidget)

    class Meta:
        model = Incident
        fields = ["severity", "status", "enterprise", "occurred"]


class IncidentForm(ScopedAdminForm):
    permit = forms.CharField(label=_("Permit"), required=False, max_length=64,
                             help_text=_("Permit number (e.g. PTW-SMK-2026-00012) when the work was under a permit."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial.setdefault("permit", self.instance.permit_number)


def _incident_data(form):
    data = form_data(form)
    if form.cleaned_data.get("permit", "") != getattr(form.instance, "permit_number", ""):
        data["permit"] = form.cleaned_data.get("permit", "")
    return data


class IncidentViewSet(ScopedModelViewSet):
    model, resource, icon = Incident, "incident", "warning"
    name, url_prefix = "health_incident", "health/incidents"
    menu_label = _("Incidents")
    base_form_class = IncidentForm
    filterset_class = IncidentFilterSet
    search_fields = ["location", "description", "permit_number"]
    ordering = "-occurred_at"
    list_per_page = 20
    list_display = [
        "__str__",
        Column("enterprise", label=_("Enterprise"), accessor="enterprise"),
        BadgeColumn("severity", prefix="health-severity-", label=_("Severity"), sort_key="severity"),
        BadgeColumn("status", prefix="health-incident-", label=_("Status"), sort_key="status"),
        "location",
    ]
    panels = [
        MultiFieldPanel([
            FieldRowPanel([FieldPanel("enterprise"), FieldPanel("occurred_at")]),
            FieldRowPanel([FieldPanel("severity"), FieldPanel("location")]),
            FieldPanel("description"), FieldPanel("workers"), FieldPanel("permit"),
        ], heading=_("Report")),
        MultiFieldPanel([FieldPanel("root_cause")], heading=_("Investigation")),
        IncidentRowsPanel(),
        TransitionsPanel(),
    ]

    def get_queryset(self, request):
        return Incident.objects.select_related("enterprise")

    def create_object(self, form, request):
        return incident_services.incident_report(organization=get_context().organization,
                                                 data=_incident_data(form), user=request.user)

    def update_object(self, instance, form, request):
        return incident_services.incident_update(instance=instance, data=_incident_data(form), user=request.user)


class IncidentChildForm(ScopedAdminForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:  # user choices are not tenant-scoped by the base form
            self.fields["owner"].queryset = active_members(get_context().organization)


class _IncidentChildViewSet(ScopedModelViewSet):
    base_form_class = IncidentChildForm

    def get_queryset(self, request):
        return self.model.objects.select_related("incident")

    def create_object(self, form, request):
        return incident_services.incident_child_save(model=self.model, data=form_data(form), user=request.user,
                                                     organization=get_context().organization)

    def update_object(self, instance, form, request):
        return incident_services.incident_child_save(model=self.model, instance=instance, data=form_data(form),
                                                     user=request.user)


class IncidentInjuryViewSet(_IncidentChildViewSet):
    model, resource, icon = IncidentInjury, "incidentinjury", "warning"
    name, url_prefix = "health_incident_injury", "health/incident-injuries"
    menu_label = _("Injuries")
    list_filter = ["incident", "injury_type"]
    list_display = ["__str__", Column("incident", label=_("Incident"), accessor="incident"), "days_lost"]
    panels = [FieldPanel("incident"), FieldPanel("worker"),
              FieldRowPanel([FieldPanel("injury_type"), FieldPanel("body_part"), FieldPanel("days_lost")]),
              FieldPanel("description")]


class CorrectiveActionViewSet(_IncidentChildViewSet):
    model, resource, icon = CorrectiveAction, "correctiveaction", "tasks"
    name, url_prefix = "health_corrective_action", "health/corrective-actions"
    menu_label = _("Corrective actions")
    list_filter = ["incident"]
    list_display = ["__str__", Column("incident", label=_("Incident"), accessor="incident"), "due_date", "done_at"]
    panels = [FieldPanel("incident"), FieldPanel("description"),
              FieldRowPanel([FieldPanel("owner"), FieldPanel("due_date"), FieldPanel("done_at")])]


# --- occupational diseases (medical) ---------------------------------------------------------

def _audit(request, rows):
    ctx = get_context()
    audit_medical_reads(workers=[row.worker for row in rows], user=request.user, organization=ctx.organization,
                        record="occupational_disease")


class DiseaseIndexView(ScopedIndexView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        _audit(self.request, list(context.get("object_list") or []))
        return context


class DiseaseEditView(ScopedEditView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        _audit(self.request, [self.object])
        return context


class DiseaseInspectView(ScopedInspectView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        _audit(self.request, [self.object])
        return context


class OccupationalDiseaseViewSet(ScopedModelViewSet):
    """Medical officers and org admins only (``permissions.RESOURCES``); reads audited."""

    model, resource, icon = OccupationalDisease, "occupationaldisease", "clipboard-list"
    name, url_prefix = "health_occupational_disease", "health/occupational-diseases"
    menu_label = _("Occupational diseases")
    index_view_class = DiseaseIndexView
    edit_view_class = DiseaseEditView
    inspect_view_class = DiseaseInspectView
    list_filter = ["is_occupational", "agent"]
    search_fields = ["disease", "agent"]
    list_display = ["__str__", Column("worker", label=_("Worker"), accessor="worker"), "disease", "agent",
                    "diagnosed_on", Column("is_occupational", label=_("Occupational"), sort_key="is_occupational",
                                           accessor=lambda row: _("Yes") if row.is_occupational else _("No"))]
    panels = [FieldPanel("worker"), FieldRowPanel([FieldPanel("disease"), FieldPanel("agent")]),
              FieldRowPanel([FieldPanel("diagnosed_on"), FieldPanel("is_occupational")]),
              FieldPanel("source_examination"), FieldPanel("diagnosis_detail")]

    def get_queryset(self, request):
        return OccupationalDisease.objects.select_related("worker")

    def create_object(self, form, request):
        ctx = get_context()
        return incident_services.disease_diagnose(organization=ctx.organization, data=form_data(form),
                                                  user=request.user, role=ctx.role)

    def update_object(self, instance, form, request):
        return medical_record_update(instance=instance, data=form_data(form), user=request.user,
                                     role=get_context().role)

    def delete_object(self, instance, request):
        medical_record_delete(instance=instance, user=request.user, role=get_context().role)


#: The screens of this feature, in menu order (added to ``HealthViewSetGroup.items``).
VIEWSETS = (IncidentViewSet, CorrectiveActionViewSet, IncidentInjuryViewSet, OccupationalDiseaseViewSet)
