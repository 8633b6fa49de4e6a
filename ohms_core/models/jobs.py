"""JobRun: one row per run of a periodic (or manually started) job."""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    MANUAL = "manual", _("Run now")


class JobRun(models.Model):
    id = models.BigAutoField(primary_key=True)
    name = models.CharField(_("job"), max_length=100, db_index=True)
    trigger = models.CharField(_("trigger"), max_length=20, choices=JobTrigger.choices, default=JobTrigger.SCHEDULE)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    #: The organization a run concerns; empty for system-wide jobs (seen by operators only).
    organization = models.ForeignKey(
        "ohms_core.Organization", verbose_name=_("organization"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    success = models.BooleanField(_("success"), null=True)
    error = models.TextField(_("error"), blank=True)
    items_processed = models.PositiveIntegerField(_("items processed"), default=0)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["name", "-started_at"], name="jobrun_name_time")]

    def __str__(self):
        return f"{self.name} {self.started_at:%Y-%m-%d %H:%M}"
