"""Worker risk profiles (SPEC 3.2) and the per-organization scoring settings.

The settings are a row per organization (created with the seed defaults on first use) so a
mine can tune the weights and factor points in the admin without a release; the profile
keeps its history (simple_history via BaseModel), which is what the trend chart reads.
"""
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ohms_core.models import BaseModel


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MODERATE = "moderate", _("Moderate")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


def _weight(label, default):
    return models.DecimalField(label, max_digits=3, decimal_places=2, default=Decimal(default),
                               validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))])


def _points(label, default, high=100):
    return models.PositiveSmallIntegerField(label, default=default, validators=[MaxValueValidator(high)])


class RiskSettings(BaseModel):
    """Weights and factor points of the risk score (defaults = SPEC 3.2 seed numbers)."""

    health_weight = _weight(_("health weight"), "0.30")
    exposure_weight = _weight(_("exposure weight"), "0.35")
    compliance_weight = _weight(_("compliance weight"), "0.35")
    # Health sub-score: age factor 10-40, fitness status 0-35, chronic +15, allergies +5.
    age_under_30_points = _points(_("age under 30"), 10)
    age_30_to_44_points = _points(_("age 30 to 44"), 20)
    age_45_to_54_points = _points(_("age 45 to 54"), 30)
    age_55_plus_points = _points(_("age 55 and over"), 40)
    fitness_fit_points = _points(_("fitness: fit"), 0)
    fitness_restricted_points = _points(_("fitness: fit with restrictions"), 15)
    fitness_unknown_points = _points(_("fitness: not assessed"), 20)
    fitness_temporarily_unfit_points = _points(_("fitness: temporarily unfit"), 25)
    fitness_unfit_points = _points(_("fitness: unfit"), 35)
    chronic_conditions_points = _points(_("chronic conditions"), 15)
    allergies_points = _points(_("allergies"), 5)
    # Exposure sub-score: +8 per exposure (last 12 months), years employed 10-25, high risk +20.
    exposure_points = _points(_("per exposure in the last 12 months"), 8)
    employed_under_5_points = _points(_("employed under 5 years"), 10)
    employed_5_to_9_points = _points(_("employed 5 to 9 years"), 15)
    employed_10_to_19_points = _points(_("employed 10 to 19 years"), 20)
    employed_20_plus_points = _points(_("employed 20 years and more"), 25)
    high_risk_exposure_points = _points(_("high-risk exposure"), 20)
    # PPE compliance 0-15: these points times the share of non-compliant checks (services.ppe).
    ppe_compliance_points = _points(_("PPE compliance, at most"), 15)
    # Compliance sub-score: overdue exams up to 30, incidents +10, diseases +15, PPE +5.
    overdue_exam_points = _points(_("per overdue exam"), 10)
    overdue_exam_cap = _points(_("overdue exams at most"), 30)
    incident_points = _points(_("per incident in the last 12 months"), 10)
    disease_points = _points(_("per occupational disease"), 15)
    ppe_noncompliance_points = _points(_("per PPE non-compliance record"), 5)

    class Meta:
        verbose_name = _("risk scoring settings")
        verbose_name_plural = _("risk scoring settings")
        constraints = [models.UniqueConstraint(fields=["organization"], name="ohms_health_one_risk_settings_per_org")]

    def __str__(self):
        return str(_("Risk scoring settings"))

    def clean(self):
        super().clean()
        weights = (self.health_weight or 0) + (self.exposure_weight or 0) + (self.compliance_weight or 0)
        if weights != Decimal("1"):
            raise ValidationError(_("The three weights must add up to 1.00 (now %(sum)s).") % {"sum": weights})


class WorkerRiskProfile(BaseModel):
    worker = models.OneToOneField("ohms_core.Worker", verbose_name=_("worker"), on_delete=models.PROTECT,
                                  related_name="risk_profile")
    health_risk_score = models.DecimalField(_("health risk score"), max_digits=5, decimal_places=2, default=0)
    exposure_risk_score = models.DecimalField(_("exposure risk score"), max_digits=5, decimal_places=2, default=0)
    compliance_risk_score = models.DecimalField(_("compliance risk score"), max_digits=5, decimal_places=2, default=0)
    overall_risk_score = models.DecimalField(_("overall risk score"), max_digits=5, decimal_places=2, default=0,
                                             db_index=True)
    risk_level = models.CharField(_("risk level"), max_length=20, choices=RiskLevel.choices, default=RiskLevel.LOW,
                                  db_index=True)
    intervention_required = models.BooleanField(_("intervention required"), default=False, db_index=True)
    recommendation = models.TextField(_("recommendation"), blank=True)
    last_calculated_at = models.DateTimeField(_("last calculated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("worker risk profile")
        verbose_name_plural = _("worker risk profiles")
        ordering = ["-overall_risk_score"]

    def __str__(self):
        return str(_("Risk profile of %(worker)s")) % {"worker": self.worker.employee_number}
