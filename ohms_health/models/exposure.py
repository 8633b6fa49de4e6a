"""Exposure measurements (SPEC 3.1): what a worker was exposed to and how that compares
with the occupational exposure limit; feeds the exposure risk sub-score."""
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ohms_core.models import BaseModel


class Exposure(BaseModel):
    worker = models.ForeignKey("ohms_core.Worker", verbose_name=_("worker"), on_delete=models.PROTECT,
                               related_name="exposures")
    exposure_type = models.CharField(_("agent / exposure type"), max_length=100, db_index=True,
                                     help_text=_("For example noise, silica dust, cobalt."))
    measured_level = models.DecimalField(_("measured level"), max_digits=12, decimal_places=4)
    exposure_limit = models.DecimalField(_("occupational exposure limit"), max_digits=12, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=30, help_text=_("For example dB(A), mg/m³."))
    measured_on = models.DateField(_("measured on"), db_index=True)
    high_risk = models.BooleanField(_("high risk"), default=False)

    class Meta:
        verbose_name = _("exposure")
        verbose_name_plural = _("exposures")
        ordering = ["-measured_on"]
        indexes = [models.Index(fields=["worker", "measured_on"], name="ohms_health_exp_worker_date")]

    def __str__(self):
        return f"{self.exposure_type} {self.measured_level} {self.unit}"

    def clean(self):
        super().clean()
        errors = {}
        if self.measured_level is not None and self.measured_level < 0:
            errors["measured_level"] = _("A measured level cannot be negative.")
        if self.exposure_limit is not None and self.exposure_limit <= 0:
            errors["exposure_limit"] = _("The exposure limit must be greater than zero.")
        if errors:
            raise ValidationError(errors)

    @property
    def percent_of_limit(self):
        if not self.exposure_limit:
            return None
        return round(float(self.measured_level) / float(self.exposure_limit) * 100, 1)
