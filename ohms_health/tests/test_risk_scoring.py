"""SPEC 3.2 scoring, pure: worked examples, caps, weights and every band boundary."""
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ..models import RiskLevel, RiskSettings
from ..scoring import WorkerFacts, risk_level, score, weighted

SEED = RiskSettings()


def test_settings_default_to_the_seed_numbers():
    assert (SEED.health_weight, SEED.exposure_weight, SEED.compliance_weight) == (
        Decimal("0.30"), Decimal("0.35"), Decimal("0.35"))
    assert (SEED.chronic_conditions_points, SEED.allergies_points, SEED.exposure_points,
            SEED.high_risk_exposure_points, SEED.overdue_exam_cap, SEED.incident_points, SEED.disease_points,
            SEED.ppe_noncompliance_points) == (15, 5, 8, 20, 30, 10, 15, 5)
    assert (SEED.age_under_30_points, SEED.age_55_plus_points) == (10, 40)
    assert (SEED.fitness_fit_points, SEED.fitness_unfit_points) == (0, 35)
    assert (SEED.employed_under_5_points, SEED.employed_20_plus_points) == (10, 25)


def test_worked_example_moderate():
    # health 30 (age 50) + 35 (unfit) + 15 + 5 = 85; exposure 3x8 + 20 (12 years) + 20 (high risk) = 64;
    # compliance 2 overdue x10 + 1 incident x10 = 30. overall = 85x0.30 + 64x0.35 + 30x0.35 = 58.40.
    facts = WorkerFacts(age=50, fitness_status="unfit", chronic_conditions=True, allergies=True, recent_exposures=3,
                        years_employed=12, high_risk_exposure=True, overdue_exams=2, recent_incidents=1)
    result = score(facts, SEED)
    assert (result.health, result.exposure, result.compliance) == (Decimal(85), Decimal(64), Decimal(30))
    assert result.overall == Decimal("58.40")
    assert result.level == RiskLevel.MODERATE and not result.intervention_required


def test_worked_example_low_for_a_young_fit_new_worker():
    # health 10 + 0 = 10; exposure 10 (under 5 years); compliance 0: 3 + 3.5 = 6.50.
    result = score(WorkerFacts(age=25, fitness_status="fit", years_employed=1), SEED)
    assert result.overall == Decimal("6.50") and result.level == RiskLevel.LOW
    assert "No intervention" in result.recommendation


def test_sub_scores_are_capped_at_100_and_overdue_exams_at_30():
    facts = WorkerFacts(age=60, fitness_status="unfit", chronic_conditions=True, allergies=True,
                        recent_exposures=15, years_employed=30, high_risk_exposure=True, overdue_exams=6,
                        recent_incidents=4, occupational_diseases=3, ppe_noncompliance=2)
    result = score(facts, SEED)
    assert result.health == Decimal(95)  # 40 + 35 + 15 + 5
    assert result.exposure == Decimal(100)  # 120 + 25 + 20, capped
    assert result.compliance == Decimal(100)  # 30 (cap) + 40 + 45 + 10 = 125, capped
    assert result.overall == Decimal("98.50") and result.level == RiskLevel.CRITICAL
    assert result.intervention_required
    only_overdue = score(WorkerFacts(overdue_exams=6), SEED)
    assert only_overdue.compliance == Decimal(30)


@pytest.mark.parametrize(("value", "level"), [
    ("0", RiskLevel.LOW), ("33.99", RiskLevel.LOW), ("34", RiskLevel.MODERATE), ("34.00", RiskLevel.MODERATE),
    ("66.99", RiskLevel.MODERATE), ("67", RiskLevel.HIGH), ("85.99", RiskLevel.HIGH), ("86", RiskLevel.CRITICAL),
    ("100", RiskLevel.CRITICAL),
])
def test_every_band_boundary(value, level):
    assert risk_level(Decimal(value)) == level


@pytest.mark.parametrize(("health", "exposure", "compliance", "overall", "level"), [
    # Boundaries reached through the weighted sum, not only through risk_level().
    (Decimal("113.3"), 0, 0, Decimal("33.99"), RiskLevel.LOW),
    (0, Decimal("97.14"), 0, Decimal("34.00"), RiskLevel.MODERATE),  # 33.999 rounds to the 34.00 shown
    (100, 100, 0, Decimal("65.00"), RiskLevel.MODERATE),
    (100, 0, Decimal("105.71428"), Decimal("67.00"), RiskLevel.HIGH),
    (100, 100, Decimal("59.97"), Decimal("85.99"), RiskLevel.HIGH),
    (100, 100, 60, Decimal("86.00"), RiskLevel.CRITICAL),
])
def test_band_of_the_weighted_score(health, exposure, compliance, overall, level):
    result = weighted(health, exposure, compliance, SEED)
    assert result == min(overall, Decimal(100))
    assert risk_level(result) == level


def test_weights_and_points_are_overridable_per_organization():
    custom = RiskSettings(health_weight=Decimal("0.50"), exposure_weight=Decimal("0.25"),
                          compliance_weight=Decimal("0.25"), fitness_unfit_points=60, exposure_points=10)
    facts = WorkerFacts(age=25, fitness_status="unfit", recent_exposures=2, years_employed=1)
    seed, tuned = score(facts, SEED), score(facts, custom)
    assert seed.health == Decimal(45) and tuned.health == Decimal(70)  # 10 + 35 vs 10 + 60
    assert seed.exposure == Decimal(26) and tuned.exposure == Decimal(30)  # 16 + 10 vs 20 + 10
    assert seed.overall == Decimal("22.60")  # 13.5 + 9.1
    assert tuned.overall == Decimal("42.50") and tuned.level == RiskLevel.MODERATE  # 35 + 7.5


def test_weights_must_add_up_to_one():
    bad = RiskSettings(health_weight=Decimal("0.50"), exposure_weight=Decimal("0.35"),
                       compliance_weight=Decimal("0.35"))
    with pytest.raises(ValidationError):
        bad.clean()
    RiskSettings().clean()
