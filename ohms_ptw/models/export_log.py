"""The bulk-export counter (SPEC 5.3 "Persistent counters"): one row per multi-permit export.

Why a table of its own and not a count of audit rows: an export of 200 permits writes 200
``AuditLog`` rows (one per permit, who took which permit out), and the ops health endpoint
wants the number of exports, read in one indexed query. Append-only like the audit trail:
rows are written by ``services.export_log.export_log_record`` and never changed.
"""
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ohms_core.models.base import OrganizationQuerySet


class ExportLogAppendOnly(Exception):
    """Raised on any attempt to change or delete an export log row."""


class ExportLogQuerySet(OrganizationQuerySet):
    def update(self, **kwargs):
        raise ExportLogAppendOnly("Export log rows cannot be changed.")

    def delete(self):
        raise ExportLogAppendOnly("Export log rows cannot be deleted.")


class ExportLogEntry(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("ohms_core.Organization", verbose_name=_("organization"), on_delete=models.PROTECT,
                                     related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("format"), max_length=20)
    detailed = models.BooleanField(_("detailed"), default=False)
    permit_count = models.PositiveIntegerField(_("permits"), default=0)
    output_bytes = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True,
                                                  help_text=_("Empty when the file is streamed (size unknown when logged)."))
    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False)

    objects = ExportLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log entries")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="ptw_exportlog_org_time")]

    def __str__(self):
        return f"{self.kind} × {self.permit_count} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ExportLogAppendOnly("Export log rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ExportLogAppendOnly("Export log rows cannot be deleted.")
