"""The gate's access log: one row per visit (check-in time, check-out time), append-only."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ohms_core.models import BaseModel

from ..states import AccessType

#: The only change an existing row accepts: closing it (check-out), once.
CLOSING_FIELDS = frozenset({"check_out_time", "checked_out_by_id"})


class AccessLogImmutable(ValidationError):
    pass


class AccessLog(BaseModel):
    """Every movement through the gate. Rows are never edited or deleted: the only write to
    an existing row is its check-out (``check_out_time`` set once). Walk-ins (contractors,
    deliveries) have no invitation and carry the person's name and company."""

    site = models.ForeignKey("ohms_core.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+")
    invite = models.ForeignKey("ohms_visitors.VisitorInvite", verbose_name=_("invitation"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="access_logs")
    access_type = models.CharField(_("access type"), max_length=20, choices=AccessType.choices)
    person_name = models.CharField(_("name"), max_length=200)
    person_company = models.CharField(_("company"), max_length=200, blank=True)
    vehicle = models.CharField(_("vehicle"), max_length=60, blank=True, help_text=_("Plate number, for deliveries."))
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    check_in_time = models.DateTimeField(_("check-in time"))
    check_out_time = models.DateTimeField(_("check-out time"), null=True, blank=True)
    guard = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("checked in by"), null=True,
                              on_delete=models.PROTECT, related_name="+")
    checked_out_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("checked out by"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-check_in_time"]
        indexes = [models.Index(fields=["organization", "site", "check_out_time"], name="vis_access_on_site")]
        constraints = [models.UniqueConstraint(fields=["invite"], condition=Q(check_out_time__isnull=True, invite__isnull=False),
                                               name="vis_access_one_open_per_invite")]

    def __str__(self):
        return f"{self.person_name} @ {self.check_in_time:%Y-%m-%d %H:%M}"

    @property
    def label(self):
        return str(self)

    @property
    def is_open(self) -> bool:
        return self.check_out_time is None

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self._refuse_edits()
        super().save(*args, **kwargs)

    def _refuse_edits(self):
        stored = type(self).all_objects.filter(pk=self.pk).values().first()
        if stored is None:
            return
        changed = {name for name, value in stored.items()
                   if name not in {"version", "updated_at", "updated_by_id"} and getattr(self, name, value) != value}
        if changed - CLOSING_FIELDS or (stored["check_out_time"] is not None and changed):
            raise AccessLogImmutable(_("The access log is append-only: an entry is never changed, only closed once."))

    def delete(self, *args, **kwargs):
        raise AccessLogImmutable(_("The access log is append-only: entries are never deleted."))

    def soft_delete(self, user=None):
        raise AccessLogImmutable(_("The access log is append-only: entries are never deleted."))
