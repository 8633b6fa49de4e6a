"""Admin screens of ESG figures: emission factors, monthly activity data and goals."""
import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel

from ohms_core.admin_views.columns import Column
from ohms_core.admin_views.forms import ScopedAdminForm
from ohms_core.admin_views.viewsets import ScopedModelViewSet
from ohms_core.context import get_context
from ohms_core.models import Site
from ohms_core.scoping import active_members

from ..models import ActivityData, EmissionFactor, EmissionScope, SustainabilityGoal


class OwnerScopedForm(ScopedAdminForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:  # user choices are not tenant-scoped by the base form
            self.fields["owner"].queryset = active_members(get_context().organization)


class EmissionFactorViewSet(ScopedModelViewSet):
    model, resource, icon = EmissionFactor, "emissionfactor", "cog"
    name, url_prefix = "regulatory_emission_factor", "regulatory/emission-factors"
    menu_label = _("Emission factors")
    base_form_class = OwnerScopedForm
    list_display = ["resource_name", "unit", "co2_factor", "emission_scope", "source"]
    list_filter = ["emission_scope"]
    search_fields = ["resource_name", "source"]
    panels = [FieldRowPanel([FieldPanel("resource_name"), FieldPanel("unit")]),
              FieldRowPanel([FieldPanel("co2_factor"), FieldPanel("emission_scope")]),
              FieldPanel("source"), FieldPanel("owner")]


class ActivityFilterSet(WagtailFilterSet):
    site = django_filters.ModelChoiceFilter(label=_("Site"), queryset=Site.objects.all())
    factor = django_filters.ModelChoiceFilter(label=_("Resource"), queryset=EmissionFactor.objects.all())
    scope = django_filters.ChoiceFilter(label=_("Scope"), field_name="factor__emission_scope",
                                        choices=EmissionScope.choices)
    year = django_filters.NumberFilter(label=_("Year"))

    class Meta:
        model = ActivityData
        fields = ["site", "factor", "scope", "year"]


class ActivityDataViewSet(ScopedModelViewSet):
    model, resource, icon = ActivityData, "activitydata", "table"
    name, url_prefix = "regulatory_activity_data", "regulatory/activity-data"
    menu_label = _("Activity data")
    filterset_class = ActivityFilterSet
    search_fields = ["factor__resource_name", "site__name", "notes"]
    list_display = [
        "__str__",
        Column("quantity", label=_("Quantity"), sort_key="quantity"),
        Column("emissions", label=_("kg CO2e"), accessor=lambda row: round(row.quantity * row.factor.co2_factor, 1)),
    ]
    panels = [FieldRowPanel([FieldPanel("factor"), FieldPanel("site")]),
              FieldRowPanel([FieldPanel("year"), FieldPanel("month"), FieldPanel("quantity")]),
              FieldPanel("notes")]

    def get_queryset(self, request):
        return ActivityData.objects.select_related("factor", "site")


class SustainabilityGoalViewSet(ScopedModelViewSet):
    model, resource, icon = SustainabilityGoal, "sustainabilitygoal", "pick"
    name, url_prefix = "regulatory_sustainability_goal", "regulatory/sustainability-goals"
    menu_label = _("Sustainability goals")
    base_form_class = OwnerScopedForm
    list_display = ["__str__", "baseline_year", "target_reduction_percentage", "emission_scope", "owner"]
    list_filter = ["emission_scope", "year"]
    panels = [FieldRowPanel([FieldPanel("year"), FieldPanel("baseline_year")]),
              FieldRowPanel([FieldPanel("target_reduction_percentage"), FieldPanel("emission_scope")]),
              FieldPanel("owner")]

    def get_queryset(self, request):
        return SustainabilityGoal.objects.select_related("owner")
