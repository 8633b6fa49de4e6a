"""ESG: emission factors, activity data and sustainability goals (SPEC 4.7).

Emissions are never stored: they are quantity x the factor's ``co2_factor`` (kg CO2e per
unit), computed in the database by ``ohms_regulatory.esg`` whenever they are read. A
corrected factor therefore restates every month that used it, which is what the GHG
Protocol asks for when an error is found in a factor (and the factor's history keeps
the old value with who changed it and why).
"""
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ohms_core.models import BaseModel


class EmissionScope(models.TextChoices):
    SCOPE_1 = "scope_1", _("Scope 1 (direct)")
    SCOPE_2 = "scope_2", _("Scope 2 (purchased energy)")
    SCOPE_3 = "scope_3", _("Scope 3 (value chain)")


class EmissionFactor(BaseModel):
    resource_name = models.CharField(_("resource"), max_length=100, help_text=_("For example Electricity or Diesel."))
    unit = models.CharField(_("unit"), max_length=20, help_text=_("For example kWh or L."))
    co2_factor = models.DecimalField(_("kg CO2e per unit"), max_digits=12, decimal_places=5,
                                     validators=[MinValueValidator(Decimal("0"))])
    emission_scope = models.CharField(_("scope"), max_length=10, choices=EmissionScope.choices, db_index=True)
    source = models.CharField(_("source of the factor"), max_length=200, blank=True,
                              help_text=_("Where the factor comes from (utility, IPCC, national inventory)."))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("emission factor")
        verbose_name_plural = _("emission factors")
        ordering = ["emission_scope", "resource_name"]
        constraints = [models.UniqueConstraint(fields=["organization", "resource_name", "unit"],
                                               condition=Q(is_deleted=False), name="ohms_reg_factor_unique")]

    def __str__(self):
        return f"{self.resource_name} ({self.unit})"


class ActivityData(BaseModel):
    """How much of a resource a site used in a month (one row per factor, site and month)."""

    factor = models.ForeignKey(EmissionFactor, verbose_name=_("resource"), on_delete=models.PROTECT,
                               related_name="activity")
    site = models.ForeignKey("ohms_core.Site", verbose_name=_("site"), on_delete=models.PROTECT,
                             related_name="esg_activity")
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)])
    month = models.PositiveSmallIntegerField(_("month"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    quantity = models.DecimalField(_("quantity"), max_digits=16, decimal_places=3,
                                   validators=[MinValueValidator(Decimal("0"))])
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("activity data")
        verbose_name_plural = _("activity data")
        ordering = ["-year", "-month", "site__name"]
        constraints = [models.UniqueConstraint(fields=["organization", "factor", "site", "year", "month"],
                                               condition=Q(is_deleted=False), name="ohms_reg_activity_unique")]
        indexes = [models.Index(fields=["organization", "year", "month"], name="ohms_reg_activity_period")]

    def __str__(self):
        return f"{self.factor} — {self.site.name if self.site_id else ''} {self.month:02d}/{self.year}"

    def clean(self):
        super().clean()
        from django.core.exceptions import ValidationError

        errors = {}
        if self.site_id and self.organization_id and self.site.organization_id != self.organization_id:
            errors["site"] = _("The site must belong to this organization.")
        if self.factor_id and self.organization_id and self.factor.organization_id != self.organization_id:
            errors["factor"] = _("The emission factor must belong to this organization.")
        if errors:
            raise ValidationError(errors)


class SustainabilityGoal(BaseModel):
    """Reduce emissions (all scopes, or one) by a percentage in ``year`` against ``baseline_year``."""

    year = models.PositiveSmallIntegerField(_("target year"),
                                            validators=[MinValueValidator(1990), MaxValueValidator(2100)])
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"),
                                                     validators=[MinValueValidator(1990), MaxValueValidator(2100)])
    target_reduction_percentage = models.DecimalField(
        _("target reduction (%)"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))])
    emission_scope = models.CharField(_("scope"), max_length=10, choices=EmissionScope.choices, blank=True,
                                      help_text=_("Leave empty for the total of every scope."))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("sustainability goal")
        verbose_name_plural = _("sustainability goals")
        ordering = ["year", "emission_scope"]
        constraints = [models.UniqueConstraint(fields=["organization", "year", "emission_scope"],
                                               condition=Q(is_deleted=False), name="ohms_reg_goal_unique")]

    def __str__(self):
        scope = self.get_emission_scope_display() if self.emission_scope else _("all scopes")
        return f"{self.year}: -{self.target_reduction_percentage} % ({scope})"

    def clean(self):
        super().clean()
        from django.core.exceptions import ValidationError

        if self.year is not None and self.baseline_year is not None and self.baseline_year >= self.year:
            raise ValidationError({"baseline_year": _("The baseline year must be before the target year.")})
