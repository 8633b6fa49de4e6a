"""Worker risk scoring (SPEC 3.2), pure: facts and settings in, scores and band out.

Kept free of queries and services so every formula, cap and band boundary is tested on
plain objects; ``services.risk`` gathers the facts for many workers in a few queries.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from .models.risk import RiskLevel

CAP = Decimal("100")
TWO_PLACES = Decimal("0.01")
#: Lower bounds of the bands: low < 34 <= moderate < 67 <= high < 86 <= critical.
BANDS = ((Decimal("86"), RiskLevel.CRITICAL), (Decimal("67"), RiskLevel.HIGH), (Decimal("34"), RiskLevel.MODERATE))
INTERVENTION_LEVELS = frozenset({RiskLevel.HIGH, RiskLevel.CRITICAL})
RECOMMENDATIONS = {
    RiskLevel.LOW: _("No intervention needed; keep the routine surveillance."),
    RiskLevel.MODERATE: _("Monitor closely: check exams are up to date and exposures controlled."),
    RiskLevel.HIGH: _("Active intervention: review exposures and controls with the medical officer and the "
                      "safety manager."),
    RiskLevel.CRITICAL: _("Immediate intervention: medical review now and remove the worker from high-risk exposure "
                          "until cleared."),
}


@dataclass(frozen=True)
class WorkerFacts:
    """What the score is computed from; counts default to zero until their source exists."""

    age: int | None = None
    fitness_status: str = "unknown"
    chronic_conditions: bool = False
    allergies: bool = False
    recent_exposures: int = 0
    years_employed: int | None = None
    high_risk_exposure: bool = False
    overdue_exams: int = 0
    recent_incidents: int = 0
    occupational_diseases: int = 0
    ppe_noncompliance: int = 0
    ppe_checks: int = 0


@dataclass(frozen=True)
class Score:
    health: Decimal
    exposure: Decimal
    compliance: Decimal
    overall: Decimal
    level: str

    @property
    def intervention_required(self) -> bool:
        return self.level in INTERVENTION_LEVELS

    @property
    def recommendation(self) -> str:
        return str(RECOMMENDATIONS[self.level])


def _cap(points) -> Decimal:
    return min(Decimal(points), CAP)


def age_points(age, s) -> int:
    """Unknown age counts as the youngest band: no invented risk."""
    if age is None or age < 30:
        return s.age_under_30_points
    if age < 45:
        return s.age_30_to_44_points
    if age < 55:
        return s.age_45_to_54_points
    return s.age_55_plus_points


def fitness_points(status, s) -> int:
    return {
        "fit": s.fitness_fit_points,
        "fit_with_restrictions": s.fitness_restricted_points,
        "temporarily_unfit": s.fitness_temporarily_unfit_points,
        "unfit": s.fitness_unfit_points,
    }.get(status, s.fitness_unknown_points)


def employment_points(years, s) -> int:
    """Unknown hire date counts as the shortest employment."""
    if years is None or years < 5:
        return s.employed_under_5_points
    if years < 10:
        return s.employed_5_to_9_points
    if years < 20:
        return s.employed_10_to_19_points
    return s.employed_20_plus_points


def health_score(f: WorkerFacts, s) -> Decimal:
    return _cap(age_points(f.age, s) + fitness_points(f.fitness_status, s)
                + (s.chronic_conditions_points if f.chronic_conditions else 0)
                + (s.allergies_points if f.allergies else 0))


def ppe_compliance_points(f: WorkerFacts, s) -> Decimal:
    """SPEC 3.2 "PPE compliance 0-15": the setting's points (15) times the worker's share of
    non-compliant PPE checks in the last 12 months (1 - compliance rate), two decimals.
    No check on record gives 0 (no invented risk); all checks compliant gives 0; all
    non-compliant gives the full 15. Example: 4 checks, 1 non-compliant -> 15 x 1/4 = 3.75."""
    if not f.ppe_checks:
        return Decimal("0")
    share = Decimal(min(f.ppe_noncompliance, f.ppe_checks)) / Decimal(f.ppe_checks)
    return (Decimal(s.ppe_compliance_points) * share).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def exposure_score(f: WorkerFacts, s) -> Decimal:
    return _cap(f.recent_exposures * s.exposure_points + employment_points(f.years_employed, s)
                + (s.high_risk_exposure_points if f.high_risk_exposure else 0) + ppe_compliance_points(f, s))


def compliance_score(f: WorkerFacts, s) -> Decimal:
    return _cap(min(f.overdue_exams * s.overdue_exam_points, s.overdue_exam_cap)
                + f.recent_incidents * s.incident_points + f.occupational_diseases * s.disease_points
                + f.ppe_noncompliance * s.ppe_noncompliance_points)


def risk_level(overall) -> str:
    """The band of a score, decimals included (33.99 is low, 34 moderate)."""
    overall = Decimal(overall)
    for lower, level in BANDS:
        if overall >= lower:
            return level
    return RiskLevel.LOW


def weighted(health, exposure, compliance, s) -> Decimal:
    """The overall score, rounded to the two places stored, so the band shown is the band
    of the number shown."""
    total = (Decimal(health) * s.health_weight + Decimal(exposure) * s.exposure_weight
             + Decimal(compliance) * s.compliance_weight)
    return min(total, CAP).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def score(f: WorkerFacts, s) -> Score:
    health, exposure, compliance = health_score(f, s), exposure_score(f, s), compliance_score(f, s)
    overall = weighted(health, exposure, compliance, s)
    return Score(health=health, exposure=exposure, compliance=compliance, overall=overall, level=risk_level(overall))
