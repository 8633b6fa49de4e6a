"""Regulatory add-on routes for the cross-tenant route matrix (``ohms_core.testing_routes``)."""
from datetime import date
from decimal import Decimal

from ohms_core.models import Site
from ohms_core.testing_routes import register_factory

from .models import ActivityData, AuditFinding, EmissionFactor, QualityAudit, SustainabilityGoal

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
