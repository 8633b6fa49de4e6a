"""A worker's medical profile: the current fitness decision and the facts behind it."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from ohms_core.models import BaseModel


class FitnessStatus(models.TextChoices):
    FIT = "fit", _("Fit")
    FIT_WITH_RESTRICTIONS = "fit_with_restrictions", _("Fit with restrictions")
    TEMPORARILY_UNFIT = "temporarily_unfit", _("Temporarily unfit")
    UNFIT = "unfit", _("Unfit")
    UNKNOWN = "unknown", _("Not assessed")


class MedicalProfile(BaseModel):
    """One per worker: the current fitness decision and the medical facts behind it."""

    worker = models.OneToOneField(
        "ohms_core.Worker", verbose_name=_("worker"), on_delete=models.PROTECT, related_name="medical_profile",
    )
    fitness_status = models.CharField(
        _("fitness status"), max_length=30, choices=FitnessStatus.choices, default=FitnessStatus.UNKNOWN,
    )
    fitness_valid_until = models.DateField(
        _("fitness valid until"), null=True, blank=True,
        help_text=_("After this date the worker counts as not assessed until the next examination."),
    )
    chronic_conditions = models.TextField(_("chronic conditions"), blank=True)
    allergies = models.TextField(_("allergies"), blank=True)

    class Meta:
        verbose_name = _("medical profile")
        verbose_name_plural = _("medical profiles")
        ordering = ["worker__employee_number"]

    def __str__(self):
        return str(_("Medical profile of %(worker)s")) % {"worker": self.worker.employee_number}
