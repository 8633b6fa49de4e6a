"""Medical examinations (SPEC 3.1): the source of fitness outcomes, recall dates and the
structured audiometry/spirometry values later used for overexposure alerts."""
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ohms_core.models import BaseModel

#: Audiometric test frequencies (Hz) a threshold may be given for.
AUDIOMETRY_FREQUENCIES = ("250", "500", "1000", "2000", "3000", "4000", "6000", "8000")
EARS = ("left", "right")
SPIROMETRY_KEYS = ("fev1", "fvc", "fev1_fvc")
#: Predicted values the spirometer prints for the worker (litres), so charts can show % of predicted.
PREDICTED_KEYS = ("fev1_predicted", "fvc_predicted")


class ExamType(models.TextChoices):
    PRE_EMPLOYMENT = "pre_employment", _("Pre-employment")
    PERIODIC = "periodic", _("Periodic")
    EXIT = "exit", _("Exit")
    RETURN_TO_WORK = "return_to_work", _("Return to work")
    AUDIOMETRY = "audiometry", _("Audiometry")
    SPIROMETRY = "spirometry", _("Spirometry")


class FitnessOutcome(models.TextChoices):
    FIT = "fit", _("Fit")
    FIT_WITH_RESTRICTIONS = "fit_with_restrictions", _("Fit with restrictions")
    UNFIT = "unfit", _("Unfit")


def _number(value, low, high):
    return isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high


def validate_results(results) -> None:
    """Structured results, so charts and alert detection can rely on them.

    ``{"hearing_thresholds": {"left": {"1000": 25, ...}, "right": {...}},
    "fev1": 3.1, "fvc": 4.0, "fev1_fvc": 0.78, "fev1_predicted": 3.6, "fvc_predicted": 4.5}``; every key optional, nothing else allowed.
    Thresholds are dB HL in [-10, 120]; FEV1/FVC are litres in (0, 10]; the ratio is in (0, 1].
    """
    if results in (None, ""):
        return
    if not isinstance(results, dict):
        raise ValidationError(_("Results must be an object."), code="invalid")
    unknown = set(results) - {"hearing_thresholds", *SPIROMETRY_KEYS, *PREDICTED_KEYS}
    if unknown:
        raise ValidationError(_("Unknown result keys: %(keys)s.") % {"keys": ", ".join(sorted(map(str, unknown)))},
                              code="invalid")
    thresholds = results.get("hearing_thresholds")
    if thresholds is not None:
        if not isinstance(thresholds, dict) or set(thresholds) - set(EARS):
            raise ValidationError(_("Hearing thresholds are given per ear: left and right."), code="invalid")
        for ear, values in thresholds.items():
            if not isinstance(values, dict) or set(values) - set(AUDIOMETRY_FREQUENCIES):
                raise ValidationError(
                    _("Hearing thresholds of the %(ear)s ear are given per frequency (%(frequencies)s Hz).")
                    % {"ear": ear, "frequencies": ", ".join(AUDIOMETRY_FREQUENCIES)}, code="invalid")
            if not all(_number(v, -10, 120) for v in values.values()):
                raise ValidationError(_("A hearing threshold is a number of dB HL between -10 and 120."),
                                      code="invalid")
    for key in ("fev1", "fvc", *PREDICTED_KEYS):
        if key in results and not (_number(results[key], 0, 10) and results[key] > 0):
            raise ValidationError(_("%(key)s is a volume in litres between 0 and 10.") % {"key": key.upper().replace("_", " ")},
                                  code="invalid")
    if "fev1_fvc" in results and not (_number(results["fev1_fvc"], 0, 1) and results["fev1_fvc"] > 0):
        raise ValidationError(_("FEV1/FVC is a ratio between 0 and 1."), code="invalid")


class MedicalExamination(BaseModel):
    """One examination of one worker. Content (findings, results, restrictions) is medical:
    read only through ``ohms_health.services`` by medical officers and org admins."""

    worker = models.ForeignKey("ohms_core.Worker", verbose_name=_("worker"), on_delete=models.PROTECT,
                               related_name="medical_examinations")
    exam_type = models.CharField(_("exam type"), max_length=30, choices=ExamType.choices, db_index=True)
    exam_date = models.DateField(_("exam date"), db_index=True)
    findings = models.TextField(_("findings"), blank=True)
    results = models.JSONField(_("results"), default=dict, blank=True, validators=[validate_results],
                               help_text=_("Structured values: hearing thresholds per ear and frequency; "
                                           "FEV1, FVC, FEV1/FVC."))
    fitness_outcome = models.CharField(_("fitness outcome"), max_length=30, choices=FitnessOutcome.choices)
    restrictions = models.TextField(_("restrictions"), blank=True)
    next_due_date = models.DateField(_("next due date"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("medical examination")
        verbose_name_plural = _("medical examinations")
        ordering = ["-exam_date"]
        indexes = [models.Index(fields=["worker", "exam_date"], name="ohms_health_exam_worker_date")]

    def __str__(self):
        return f"{self.get_exam_type_display()} {date_format(self.exam_date, 'SHORT_DATE_FORMAT')}"

    def clean(self):
        super().clean()
        if self.next_due_date and self.exam_date and self.next_due_date < self.exam_date:
            raise ValidationError({"next_due_date": _("The next due date cannot be before the exam date.")})
