"""Configuration screens: permit types, risk matrices, closeout templates, the isolation point
library and LOTO procedures. Writes go through the core record services (history + audit)."""
import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.ui.tables import BooleanColumn, UpdatedAtColumn
from wagtail.admin.widgets import SwitchInput

from ohms_core.admin_views.columns import Column
from ohms_core.admin_views.viewsets import ScopedModelViewSet
from ohms_core.context import get_context
from ohms_core.models import Project, Site
from ohms_core.scoping import scope_queryset

from ..models import (
    CloseoutChecklistTemplate,
    IsolationPointLibrary,
    LotoProcedure,
    PermitType,
    RiskMatrix,
)
from ..states import EnergyType, PermitCategory, PointType, RiskLevel
from . import forms as ptw_forms
from .columns import RiskColumn
from .forms import project_or_global


def org_queryset(model):
    """A filter's choices: rows the acting member may see (never another tenant's names)."""
    def queryset(request):
        return scope_queryset(model.objects.all(), get_context())
    return queryset


def allowed_projects_queryset(request):
    return scope_queryset(Project.objects.all(), get_context())


def switch(name, **kwargs):
    return FieldPanel(name, widget=SwitchInput(), **kwargs)


# --- permit types ---------------------------------------------------------------------
class PermitTypeFilterSet(WagtailFilterSet):
    requires_structured_isolation = django_filters.BooleanFilter(label=_("Structured isolation"))
    requires_gas_testing = django_filters.BooleanFilter(label=_("Gas testing"))
    category = django_filters.ChoiceFilter(label=_("Category"), choices=PermitCategory.choices)
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = PermitType
        fields = ["requires_structured_isolation", "requires_gas_testing", "category", "is_active"]


class PermitTypeViewSet(ScopedModelViewSet):
    model, resource, icon = PermitType, "permittype", "list-ul"
    name, url_prefix = "ptw_permit_type", "ptw/permit-types"
    menu_label = _("Permit types")
    base_form_class = ptw_forms.PermitTypeForm
    filterset_class = PermitTypeFilterSet
    search_fields = ["name", "code"]
    list_display = [
        "name", "code", Column("category", label=_("Category"), accessor="get_category_display", sort_key="category"),
        BooleanColumn("requires_gas_testing", label=_("Gas testing")),
        BooleanColumn("requires_isolation", label=_("Isolation (text)")),
        BooleanColumn("requires_structured_isolation", label=_("Structured isolation")),
        BooleanColumn("requires_deisolation_on_closeout", label=_("De-isolation on closeout")),
        BooleanColumn("is_active", label=_("Active")), UpdatedAtColumn(),
    ]
    panels = [
        MultiFieldPanel([FieldRowPanel([FieldPanel("name"), FieldPanel("code")]), FieldPanel("category"),
                         FieldPanel("description"), switch("is_active")], heading=_("Permit type")),
        MultiFieldPanel([switch("requires_gas_testing"), FieldPanel("required_gases"), FieldPanel("gas_limits"),
                         FieldPanel("gas_reading_validity_minutes")], heading=_("Gas testing")),
        MultiFieldPanel([switch("requires_isolation"), switch("requires_structured_isolation"),
                         switch("requires_deisolation_on_closeout")], heading=_("Isolation")),
        MultiFieldPanel([FieldPanel("mandatory_ppe"), FieldPanel("safety_checklist_items")], heading=_("PPE and checklist")),
        MultiFieldPanel([FieldPanel("required_training_modules")], heading=_("Competency")),
        MultiFieldPanel([FieldRowPanel([FieldPanel("max_validity_hours"), FieldPanel("max_extensions")]),
                         FieldPanel("location_overlap_policy"), FieldPanel("allow_verifier_as_approver")], heading=_("Validity and simultaneous operations")),
    ]


# --- risk matrices --------------------------------------------------------------------
class RiskMatrixViewSet(ScopedModelViewSet):
    model, resource, icon = RiskMatrix, "riskmatrix", "table"
    name, url_prefix = "ptw_risk_matrix", "ptw/risk-matrices"
    menu_label = _("Risk matrices")
    base_form_class = ptw_forms.RiskMatrixForm
    inspect_view_enabled = False
    list_filter = ["is_active", "is_default"]
    search_fields = ["name"]
    list_display = ["name", BooleanColumn("is_default", label=_("Default")), BooleanColumn("is_active", label=_("Active")),
                    UpdatedAtColumn()]
    panels = [FieldPanel("name"), FieldPanel("grid"), FieldRowPanel([switch("is_default"), switch("is_active")])]


# --- closeout templates ---------------------------------------------------------------
class CloseoutTemplateFilterSet(WagtailFilterSet):
    permit_type = django_filters.ModelChoiceFilter(label=_("Permit type"), queryset=org_queryset(PermitType))
    risk_level = django_filters.ChoiceFilter(label=_("Risk level"), choices=RiskLevel.choices)
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = CloseoutChecklistTemplate
        fields = ["permit_type", "risk_level", "is_active"]


class CloseoutTemplateViewSet(ScopedModelViewSet):
    model, resource, icon = CloseoutChecklistTemplate, "closeouttemplate", "tasks"
    name, url_prefix = "ptw_closeout_template", "ptw/closeout-templates"
    menu_label = _("Closeout checklists")
    base_form_class = ptw_forms.CloseoutTemplateForm
    filterset_class = CloseoutTemplateFilterSet
    search_fields = ["name"]
    list_display = ["name", Column("permit_type", label=_("Permit type"), accessor="permit_type"),
                    RiskColumn(label=_("Risk level")), BooleanColumn("is_active", label=_("Active")), UpdatedAtColumn()]
    panels = [FieldPanel("name"), FieldRowPanel([FieldPanel("permit_type"), FieldPanel("risk_level")]), FieldPanel("items"),
              switch("is_active")]

    def get_queryset(self, request):
        return CloseoutChecklistTemplate.objects.select_related("permit_type")


# --- isolation point library ----------------------------------------------------------
class IsolationPointFilterSet(WagtailFilterSet):
    project = django_filters.ModelChoiceFilter(label=_("Project"), queryset=allowed_projects_queryset)
    site = django_filters.ModelChoiceFilter(label=_("Site"), queryset=org_queryset(Site))
    energy_type = django_filters.ChoiceFilter(label=_("Energy type"), choices=EnergyType.choices)
    point_type = django_filters.ChoiceFilter(label=_("Point type"), choices=PointType.choices)
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = IsolationPointLibrary
        fields = ["project", "site", "energy_type", "point_type", "is_active"]


class IsolationPointViewSet(ScopedModelViewSet):
    model, resource, icon = IsolationPointLibrary, "isolationpoint", "lock"
    name, url_prefix = "ptw_isolation_point", "ptw/isolation-points"
    menu_label = _("Isolation points")
    base_form_class = ptw_forms.IsolationPointForm
    filterset_class = IsolationPointFilterSet
    search_fields = ["point_code", "asset_tag", "location"]
    list_display = [
        "point_code", "asset_tag",
        Column("point_type", label=_("Point type"), accessor="get_point_type_display", sort_key="point_type"),
        Column("energy_type", label=_("Energy type"), accessor="get_energy_type_display", sort_key="energy_type"),
        Column("project", label=_("Project"), accessor="project"), Column("site", label=_("Site"), accessor="site"),
        "location", BooleanColumn("requires_lock", label=_("Lock")), BooleanColumn("is_active", label=_("Active")),
    ]
    panels = [
        FieldRowPanel([FieldPanel("point_code"), FieldPanel("asset_tag")]),
        FieldRowPanel([FieldPanel("point_type"), FieldPanel("energy_type")]),
        FieldRowPanel([FieldPanel("project"), FieldPanel("site")]),
        FieldPanel("location"), FieldPanel("description"),
        MultiFieldPanel([FieldPanel("isolation_method"), FieldPanel("verification_method"),
                         FieldRowPanel([switch("requires_lock"), FieldPanel("default_lock_count")]), FieldPanel("ppe_required")],
                        heading=_("Lock-out procedure")),
        switch("is_active"),
    ]

    def get_queryset(self, request):
        return project_or_global(IsolationPointLibrary.objects.select_related("project", "site"))


# --- LOTO procedures ------------------------------------------------------------------
class LotoProcedureFilterSet(WagtailFilterSet):
    project = django_filters.ModelChoiceFilter(label=_("Project"), queryset=allowed_projects_queryset)
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = LotoProcedure
        fields = ["project", "is_active"]


class LotoProcedureViewSet(ScopedModelViewSet):
    model, resource, icon = LotoProcedure, "lotoprocedure", "clipboard-list"
    name, url_prefix = "ptw_loto_procedure", "ptw/loto-procedures"
    menu_label = _("LOTO procedures")
    base_form_class = ptw_forms.LotoProcedureForm
    filterset_class = LotoProcedureFilterSet
    search_fields = ["asset_tag", "name"]
    list_display = ["asset_tag", "name", Column("project", label=_("Project"), accessor="project"),
                    BooleanColumn("is_active", label=_("Active")), UpdatedAtColumn()]
    panels = [FieldRowPanel([FieldPanel("asset_tag"), FieldPanel("name")]), FieldPanel("project"), FieldPanel("steps"),
              FieldPanel("points", widget=forms.CheckboxSelectMultiple), switch("is_active")]

    def get_queryset(self, request):
        return project_or_global(LotoProcedure.objects.select_related("project"))
