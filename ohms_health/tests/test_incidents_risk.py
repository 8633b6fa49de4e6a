"""Incidents and occupational diseases in the compliance risk sub-score (SPEC 3.2:
+10 per incident in the last 12 months, +15 per occupational disease), worked examples."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ohms_core import testing

from .. import scoring
from ..models import Incident, OccupationalDisease, RiskSettings
from ..services import medical_profile_save
from ..services.risk import calculate_profile, gather_facts


def test_worked_example_pure():
    """Compliance 2 x 10 + 1 x 15 = 35; capped at 100 with many incidents."""
    s = RiskSettings()
    facts = scoring.WorkerFacts(age=50, fitness_status="fit", years_employed=12, recent_incidents=2,
                                occupational_diseases=1)
    result = scoring.score(facts, s)
    assert (result.health, result.exposure, result.compliance) == (Decimal(30), Decimal(20), Decimal(35))
    assert result.overall == Decimal("28.25") and result.level == "low"  # 9 + 7 + 12.25
    many = scoring.score(scoring.WorkerFacts(recent_incidents=8, occupational_diseases=2), s)
    assert many.compliance == Decimal(100)


def _years_ago(years):
    return date(timezone.localdate().year - years, 1, 1)


def _incident(worker, days_ago, **kw):
    incident = Incident.objects.create(organization=worker.organization, enterprise=worker.enterprise,
                                       occurred_at=timezone.now() - timedelta(days=days_ago), severity="lost_time",
                                       location="Fosse", description="Chute", **kw)
    incident.workers.add(worker)
    return incident


def _disease(worker, **kw):
    data = {"disease": "Silicose", "agent": "silica dust", "diagnosed_on": timezone.localdate(), **kw}
    return OccupationalDisease.objects.create(organization=worker.organization, worker=worker, **data)


@pytest.mark.django_db
def test_worked_example_from_the_records(org_a, admin_a):
    """Age 50 (30), fit (0): health 30; 12 years employed, no exposure: exposure 20;
    3 incidents in the last 12 months (30) + 2 occupational diseases (30): compliance 60.
    Overall 30 x 0.30 + 20 x 0.35 + 60 x 0.35 = 9 + 7 + 21 = 37.00: moderate (16.00, low,
    without them)."""
    worker = testing.make_worker(org_a, date_of_birth=_years_ago(50), hire_date=_years_ago(12))
    medical_profile_save(worker=worker, user=admin_a, role="org_admin", data={"fitness_status": "fit"})
    assert calculate_profile(worker=worker).overall_risk_score == Decimal("16.00")

    for days in (5, 100, 360):
        _incident(worker, days)
    _incident(worker, 400)  # older than 12 months: ignored
    _incident(worker, 10).soft_delete()  # deleted: ignored
    _incident(testing.make_worker(org_a), 10)  # someone else's
    _disease(worker)
    _disease(worker, diagnosed_on=date(2020, 5, 1))  # diseases count whatever their age
    _disease(worker, is_occupational=False)  # not occupational: ignored
    _disease(worker).soft_delete()

    profile = calculate_profile(worker=worker)
    assert (profile.health_risk_score, profile.exposure_risk_score, profile.compliance_risk_score) == (
        Decimal(30), Decimal(20), Decimal(60))
    assert profile.overall_risk_score == Decimal("37.00") and profile.risk_level == "moderate"


@pytest.mark.django_db
def test_one_incident_counts_once_per_involved_worker(org_a):
    first, second = testing.make_worker(org_a), testing.make_worker(org_a)
    incident = _incident(first, 3)
    incident.workers.add(second)
    facts = gather_facts([first, second])
    assert facts[first.pk].recent_incidents == facts[second.pk].recent_incidents == 1


@pytest.mark.django_db
def test_settings_change_incident_and_disease_points(org_a):
    worker = testing.make_worker(org_a)
    _incident(worker, 3)
    _disease(worker)
    RiskSettings.objects.create(organization=org_a, incident_points=20, disease_points=40)
    assert calculate_profile(worker=worker).compliance_risk_score == Decimal(60)
