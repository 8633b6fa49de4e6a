"""Shift handover notes per site."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ohms_core.models import BaseModel


class ShiftHandover(BaseModel):
    """The outgoing guard's or supervisor's notes; open items carry over to the next shift's
    handover; the incoming person acknowledges having read it."""

    site = models.ForeignKey("ohms_core.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+")
    shift_start = models.DateTimeField(_("shift start"))
    shift_end = models.DateTimeField(_("shift end"))
    notes = models.TextField(_("notes"), blank=True)
    open_items = models.JSONField(_("open items"), default=list, blank=True,
                                  help_text=_("Items still open, carried to the next shift (one text per item)."))
    previous = models.ForeignKey("self", verbose_name=_("previous handover"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+", editable=False)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+", editable=False)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("shift handover")
        verbose_name_plural = _("shift handovers")
        ordering = ["-shift_end"]
        indexes = [models.Index(fields=["organization", "site", "shift_end"], name="vis_handover_site_end")]
        constraints = [models.CheckConstraint(condition=Q(shift_end__gt=models.F("shift_start")), name="vis_handover_shift_order",
                                              violation_error_message=_("The shift must end after it starts."))]

    def __str__(self):
        return f"{self.shift_start:%Y-%m-%d %H:%M} – {self.shift_end:%H:%M}"

    @property
    def label(self):
        return str(self)
