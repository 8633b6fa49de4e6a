"""Regulatory add-on objects for the cross-tenant route matrix (``ohms_core.testing_routes``)."""
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from wagtail.models import Page

from ohms_core.models import Enterprise, Site
from ohms_core.testing_routes import register_factory, register_kwarg, register_route_model
from ohms_health.models import Incident, OccupationalDisease

from .models import (
    ActivityData,
    AuditFinding,
    CNSSReport,
    DRCReport,
    EmissionFactor,
    PolicyAcknowledgement,
    PolicyPage,
    QualityAudit,
    RegulatorySettings,
    SustainabilityGoal,
)

# --- CNSS and DRC declarations (models/reports.py) ------------------------------------------


def _deadline():
    return timezone.now() + timedelta(hours=20)


register_factory(CNSSReport, lambda w: CNSSReport.objects.create(
    organization=w.org, enterprise=w.get(Enterprise), report_type="incident", incident=w.get(Incident),
    reference_number=f"CNSS-M-{w.seq()}", event_at=timezone.now() - timedelta(hours=4), deadline_at=_deadline()))


def _drc(w):
    report = DRCReport.objects.create(
        organization=w.org, enterprise=w.get(Enterprise), report_type="severe_incident",
        reference_number=f"DRC-M-{w.seq()}", event_at=timezone.now() - timedelta(hours=4), deadline_at=_deadline())
    report.incidents.add(w.get(Incident))
    report.diseases.add(w.get(OccupationalDisease))
    return report


register_factory(DRCReport, _drc)
register_factory(RegulatorySettings, lambda w: RegulatorySettings.objects.get_or_create(organization=w.org)[0])

# --- quality audits and ESG (models/audits.py, models/esg.py) ------------------------------

register_factory(QualityAudit, lambda w: QualityAudit.objects.create(
    organization=w.org, site=w.get(Site), audit_date=date(2026, 1, 10), standard="ISO 45001",
    lead_auditor="Matrix auditor"))
register_factory(AuditFinding, lambda w: AuditFinding.objects.create(
    organization=w.org, audit=w.get(QualityAudit), description="Matrix finding", due_date=date(2026, 2, 1)))
register_factory(EmissionFactor, lambda w: EmissionFactor.objects.create(
    organization=w.org, resource_name=f"Matrix fuel {w.seq()}", unit="L", co2_factor=Decimal("2.68"),
    emission_scope="scope_1"))
register_factory(ActivityData, lambda w: ActivityData.objects.create(
    organization=w.org, factor=w.get(EmissionFactor), site=w.get(Site), year=2026, month=1,
    quantity=Decimal("100")))
register_factory(SustainabilityGoal, lambda w: SustainabilityGoal.objects.create(
    organization=w.org, year=2030 + w.seq() % 50, baseline_year=2023, target_reduction_percentage=Decimal("10")))

# --- policy pages (models/policies.py) -------------------------------------------------------

def _policy(w):
    """A published, private policy of ``w.org`` (its tree created by the organization setup)."""
    from .tests.factories import make_live_policy

    return make_live_policy(w.org, title=f"Matrix policy {w.seq()}")


def _acknowledgement(w):
    from .services.policies import policy_acknowledge

    return policy_acknowledge(page=w.get(PolicyPage), user=w.admin)


register_factory(PolicyPage, _policy)
register_factory(Page, lambda w: w.get(PolicyPage))  # Wagtail's API v2 (/api/v2/pages/<id>/)
register_factory(PolicyAcknowledgement, _acknowledgement)
register_kwarg("language", lambda obj, w: "fr")
# The guard in front of Wagtail's page admin (admin_views.policy_guard): B's policy page by id.
register_kwarg("content_app", lambda obj, w: "ohms_regulatory")
register_kwarg("content_model", lambda obj, w: "policypage")
register_kwarg("workflow_view", lambda obj, w: "confirm_cancellation")
for _name in ("ohms_policy_page_guard", "ohms_policy_page_guard_add", "ohms_policy_page_guard_workflow"):
    register_route_model(_name, PolicyPage, pk_kwarg="page_id")
for _name in ("ohms_policy_report", "ohms_policy_report_xlsx", "ohms_policy_translate"):
    register_route_model(_name, PolicyPage)
