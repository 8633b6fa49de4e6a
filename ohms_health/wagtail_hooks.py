"""Admin registration of the health add-on: the medical profile screen (role-restricted,
audited) and the risk scoring settings in one "Occupational health" menu group."""
from django import forms
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.viewsets.base import ViewSetGroup

from ohms_core.admin_views.forms import ScopedAdminForm
from ohms_core.admin_views.menu import ScreenMenuEntry
from ohms_core.admin_views.viewsets import ScopedModelViewSet
from ohms_core.context import get_context

from . import admin_views
from .manifest import MANIFEST
from .models import RiskSettings
from .viewsets import appointments as appointment_viewsets
from .viewsets import incidents as incident_viewsets
from .viewsets import ppe as ppe_viewsets
from .viewsets.alerts import AlertThresholdViewSet, OverexposureAlertViewSet
from .viewsets.examinations import ExposureViewSet, MedicalExaminationViewSet
from .viewsets.exit import ExitExaminationViewSet
from .viewsets.risk import WorkerRiskProfileViewSet


@hooks.register("register_admin_urls")
def register_health_urls():
    return [
        path("health/workers/<uuid:worker_pk>/medical/", admin_views.medical_profile, name="ohms_health_medical_profile"),
        path("health/ppe-compliance/", ppe_viewsets.ppe_compliance, name="ohms_health_ppe_compliance"),
        path("health/appointments-day/", appointment_viewsets.appointments_day, name="ohms_health_appointments_day"),
        path("health/recall/", appointment_viewsets.recall, name="ohms_health_recall"),
    ]


def _row(*names):
    return FieldRowPanel([FieldPanel(name) for name in names])


class RiskSettingsForm(ScopedAdminForm):
    def clean(self):
        """One row per organization: a second one is a form error (the organization is not a
        form field, so the model's unique constraint alone would only fail at save)."""
        cleaned = super().clean()
        if self.instance._state.adding and RiskSettings.all_objects.filter(
                organization=get_context().organization).exists():
            raise forms.ValidationError(_("This organization already has risk scoring settings: edit them."))
        return cleaned


class RiskSettingsViewSet(ScopedModelViewSet):
    """One row per organization; without one the seed defaults apply."""

    model, resource, icon = RiskSettings, "risksettings", "cog"
    name, url_prefix = "health_risk_settings", "health/risk-settings"
    menu_label = _("Risk scoring settings")
    base_form_class = RiskSettingsForm
    inspect_view_enabled = False
    list_display = ["__str__", "health_weight", "exposure_weight", "compliance_weight"]
    panels = [
        MultiFieldPanel([_row("health_weight", "exposure_weight", "compliance_weight")], heading=_("Weights")),
        MultiFieldPanel([
            _row("age_under_30_points", "age_30_to_44_points", "age_45_to_54_points", "age_55_plus_points"),
            _row("fitness_fit_points", "fitness_restricted_points", "fitness_unknown_points"),
            _row("fitness_temporarily_unfit_points", "fitness_unfit_points"),
            _row("chronic_conditions_points", "allergies_points"),
        ], heading=_("Health factors")),
        MultiFieldPanel([
            _row("exposure_points", "high_risk_exposure_points"),
            _row("employed_under_5_points", "employed_5_to_9_points", "employed_10_to_19_points",
                 "employed_20_plus_points"),
            _row("ppe_compliance_points"),
        ], heading=_("Exposure factors")),
        MultiFieldPanel([
            _row("overdue_exam_points", "overdue_exam_cap"),
            _row("incident_points", "disease_points", "ppe_noncompliance_points"),
        ], heading=_("Compliance factors")),
    ]


class HealthViewSetGroup(ViewSetGroup):
    menu_label = _("Occupational health")
    menu_icon = "folder-inverse"
    menu_order = MANIFEST.menu_order


@hooks.register("register_admin_viewset")
def register_health_viewsets():
    return HealthViewSetGroup()


# The doctor's day first (recall list, examinations, appointments), then surveillance,
# incidents, PPE, billing and the settings last.
HealthViewSetGroup.items = (
    ScreenMenuEntry("health_recall_menu", label=_("Recall list"), url_name="ohms_health_recall",
                    icon="warning", resource="appointment"),
    MedicalExaminationViewSet,
    ScreenMenuEntry("health_appointments_day_menu", label=_("Appointments of the day"),
                    url_name="ohms_health_appointments_day", icon="date", resource="appointment"),
    appointment_viewsets.AppointmentViewSet,
    ExposureViewSet,
    OverexposureAlertViewSet,
    WorkerRiskProfileViewSet,
    ExitExaminationViewSet,
    *incident_viewsets.VIEWSETS,
    ScreenMenuEntry("health_ppe_compliance_menu", label=_("PPE compliance"), url_name="ohms_health_ppe_compliance",
                    icon="tag", resource="ppecompliancerecord"),
    ppe_viewsets.PPEItemViewSet,
    ppe_viewsets.PPEComplianceRecordViewSet,
    appointment_viewsets.TransactionViewSet,
    AlertThresholdViewSet,
    RiskSettingsViewSet,
)
