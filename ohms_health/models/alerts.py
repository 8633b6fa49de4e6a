"""Overexposure alerts (SPEC 3.3) and their per-organization severity thresholds.

An alert says "this worker's exposure (or an exam result that betrays one) reached N % of
the limit". Its severity is computed by the server from the organization's thresholds
(defaults = the seed: warning [80, 100), critical [100, 120], emergency > 120), never taken
from a client. The life cycle is a django-fsm machine registered with core through the
manifest, so the REST endpoints, the generic transitions endpoint, the admin buttons and
the jobs all run the same gates and services.

Decision (SPEC 3.3 "open"): **active -> resolved directly is not allowed.** Resolving says
"corrected, worker safe"; acknowledging says "a responsible person reviewed it and started
action". Forcing the acknowledgement first means every resolved alert names who reviewed
it and when (the audit trail an inspector asks for); a false alarm is acknowledged and then
resolved with a note, two clicks in the monitor.
"""
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from ohms_core.models import BaseModel
from ohms_core.roles import Role
from ohms_core.workflows import StateMachineMixin, role_permission

#: Who acts on alerts: the medical service, the safety manager who organises the
#: correction, and the organization's administrators.
ALERT_HANDLERS = (Role.MEDICAL_OFFICER, Role.SAFETY_MANAGER, Role.ORG_ADMIN)

#: Seed thresholds (SPEC 3.3), used when the organization has no row for the exposure type.
DEFAULT_WARNING_PERCENT = Decimal("80")
DEFAULT_CRITICAL_PERCENT = Decimal("100")
DEFAULT_EMERGENCY_ABOVE_PERCENT = Decimal("120")


class AlertSeverity(models.TextChoices):
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")
    EMERGENCY = "emergency", _("Emergency")


class AlertStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


#: Severity order, for "is this new alert worse than the open one".
SEVERITY_RANK = {AlertSeverity.WARNING: 1, AlertSeverity.CRITICAL: 2, AlertSeverity.EMERGENCY: 3}
OPEN_STATUSES = (AlertStatus.ACTIVE, AlertStatus.ACKNOWLEDGED)


def normalize_exposure_type(value: str) -> str:
    """Exposure types are free text on ``Exposure`` ("Silica dust"); alerts and thresholds
    store them trimmed and lower-cased so "Noise" and "noise " are the same type."""
    return " ".join((value or "").split()).lower()


def percent_of(measured, limit) -> Decimal:
    """``measured / limit × 100`` rounded half-up to 0.01: the stored value is the one the
    severity is decided on, so the list and the decision never disagree."""
    return (Decimal(measured) / Decimal(limit) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def severity_for(percent, *, warning=DEFAULT_WARNING_PERCENT, critical=DEFAULT_CRITICAL_PERCENT,
                 emergency_above=DEFAULT_EMERGENCY_ABOVE_PERCENT):
    """warning [warning, critical), critical [critical, emergency_above], emergency above;
    None below the warning threshold (no alert is warranted). Pure, so it is unit-tested at
    every boundary without a database."""
    percent = Decimal(percent)
    if percent < warning:
        return None
    if percent < critical:
        return AlertSeverity.WARNING
    if percent <= emergency_above:
        return AlertSeverity.CRITICAL
    return AlertSeverity.EMERGENCY


def _percent_field(label, default):
    return models.DecimalField(label, max_digits=6, decimal_places=2, default=default,
                               validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("1000"))])


class AlertThreshold(BaseModel):
    """Severity thresholds of one exposure type for one organization (DECISIONS 9). An empty
    exposure type is the organization's default for the types without their own row;
    without any row the seed numbers apply."""

    exposure_type = models.CharField(
        _("exposure type"), max_length=100, blank=True,
        help_text=_("For example noise, dust, silica dust, cobalt. Leave empty for every other type."))
    warning_percent = _percent_field(_("warning from (% of limit)"), DEFAULT_WARNING_PERCENT)
    critical_percent = _percent_field(_("critical from (% of limit)"), DEFAULT_CRITICAL_PERCENT)
    emergency_above_percent = _percent_field(_("emergency above (% of limit)"), DEFAULT_EMERGENCY_ABOVE_PERCENT)

    class Meta:
        verbose_name = _("overexposure alert threshold")
        verbose_name_plural = _("overexposure alert thresholds")
        ordering = ["exposure_type"]
        constraints = [models.UniqueConstraint(fields=["organization", "exposure_type"], condition=Q(is_deleted=False),
                                               name="ohms_health_one_threshold_per_type")]

    def __str__(self):
        return self.exposure_type or str(_("Every other exposure type"))

    def save(self, *args, **kwargs):
        self.exposure_type = normalize_exposure_type(self.exposure_type)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        self.exposure_type = normalize_exposure_type(self.exposure_type)
        if None in (self.warning_percent, self.critical_percent, self.emergency_above_percent):
            return
        if not self.warning_percent < self.critical_percent <= self.emergency_above_percent:
            raise ValidationError({"critical_percent": _(
                "Thresholds must rise: warning < critical <= emergency (now %(w)s, %(c)s, %(e)s).") % {
                "w": self.warning_percent, "c": self.critical_percent, "e": self.emergency_above_percent}})

    def severity(self, percent):
        return severity_for(percent, warning=self.warning_percent, critical=self.critical_percent,
                            emergency_above=self.emergency_above_percent)


# --- who may resolve ----------------------------------------------------------------------

def _safety_manager_on_non_emergency(alert, user):
    """A safety manager resolves warning and critical alerts; an emergency alert keeps the
    worker unfit (fitness check), so only the medical side (medical officer, org admin)
    clears it."""
    from ohms_core.context import get_context

    return get_context().role == Role.SAFETY_MANAGER and alert.severity != AlertSeverity.EMERGENCY


class OverexposureAlert(StateMachineMixin, BaseModel):
    worker = models.ForeignKey("ohms_core.Worker", verbose_name=_("worker"), on_delete=models.PROTECT,
                               related_name="overexposure_alerts", db_index=True)
    exposure_type = models.CharField(_("exposure type"), max_length=100, db_index=True,
                                     help_text=_("For example noise (audiometry), dust (spirometry), silica dust."))
    measured_value = models.DecimalField(_("measured value"), max_digits=12, decimal_places=4)
    exposure_limit = models.DecimalField(_("exposure limit"), max_digits=12, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    percent_of_limit = models.DecimalField(_("% of limit"), max_digits=9, decimal_places=2, editable=False)
    severity = models.CharField(_("severity"), max_length=20, choices=AlertSeverity.choices, db_index=True,
                                editable=False)
    status = FSMField(_("status"), default=AlertStatus.ACTIVE, choices=AlertStatus.choices, protected=True,
                      db_index=True)
    source_exam = models.ForeignKey("ohms_health.MedicalExamination", verbose_name=_("source examination"),
                                    null=True, blank=True, on_delete=models.PROTECT, related_name="overexposure_alerts")
    source_exposure = models.ForeignKey("ohms_health.Exposure", verbose_name=_("source exposure measurement"),
                                        null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="overexposure_alerts")
    detection = models.CharField(_("detected from"), max_length=200, blank=True, editable=False,
                                 help_text=_("How the value was derived, for automatically raised alerts."))
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"), null=True,
                                        blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True, editable=False)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+", editable=False)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True, editable=False)
    notes = models.TextField(_("notes"), blank=True)
    actions_taken = models.TextField(_("actions taken"), blank=True)

    class Meta:
        verbose_name = _("overexposure alert")
        verbose_name_plural = _("overexposure alerts")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["worker", "exposure_type", "status"], name="ohms_health_alert_open")]
        constraints = [
            # No duplicate alert for the same worker, exposure type and source exam / measurement.
            models.UniqueConstraint(fields=["worker", "exposure_type", "source_exam"],
                                    condition=Q(is_deleted=False, source_exam__isnull=False),
                                    name="ohms_health_alert_once_per_exam"),
            models.UniqueConstraint(fields=["worker", "exposure_type", "source_exposure"],
                                    condition=Q(is_deleted=False, source_exposure__isnull=False),
                                    name="ohms_health_alert_once_per_exposure"),
        ]

    def __str__(self):
        # An exam-derived alert's percentage gives the exam result back (the limit is a
        # constant): this text lands in audit rows, events and page titles, so it stays out.
        if self.source_exam_id:
            return f"{self.get_severity_display()} {self.exposure_type}"
        return f"{self.get_severity_display()} {self.exposure_type} {number_format(self.percent_of_limit)}\u00a0%"

    @property
    def shows_exam_values(self) -> bool:
        """False when the values come from an exam (medical content, DECISIONS 12)."""
        return not self.source_exam_id

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def clean(self):
        super().clean()
        errors = {}
        if self.measured_value is not None and self.measured_value < 0:
            errors["measured_value"] = _("A measured value cannot be negative.")
        if self.exposure_limit is not None and self.exposure_limit <= 0:
            errors["exposure_limit"] = _("The exposure limit must be greater than zero.")
        for name in ("source_exam", "source_exposure"):
            source = getattr(self, name)
            if source is not None and self.worker_id and source.worker_id != self.worker_id:
                errors[name] = _("The source belongs to another worker.")
        if errors:
            raise ValidationError(errors)

    @transition(field=status, source=AlertStatus.ACTIVE, target=AlertStatus.ACKNOWLEDGED,
                permission=role_permission(*ALERT_HANDLERS, message=_(
                    "Only medical officers, safety managers and organization administrators acknowledge alerts.")),
                custom={"label": _("Acknowledge"), "event": "acknowledged"})
    def acknowledge(self, by=None):
        from django.utils import timezone

        self.acknowledged_by = by if getattr(by, "is_authenticated", False) else None
        self.acknowledged_at = timezone.now()

    @transition(field=status, source=AlertStatus.ACKNOWLEDGED, target=AlertStatus.RESOLVED,
                permission=role_permission(Role.MEDICAL_OFFICER, Role.ORG_ADMIN, allow=_safety_manager_on_non_emergency,
                                           message=_("Only medical officers and organization administrators resolve "
                                                     "emergency alerts; safety managers resolve the others.")),
                custom={"label": _("Resolve"), "event": "resolved", "comment_required": True})
    def resolve(self, by=None):
        from django.utils import timezone

        self.resolved_by = by if getattr(by, "is_authenticated", False) else None
        self.resolved_at = timezone.now()
