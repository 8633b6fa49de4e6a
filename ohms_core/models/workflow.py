"""Transition log: one row per state-machine transition, written by the workflow service."""
import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import OrganizationQuerySet


class TransitionLog(models.Model):
    objects = OrganizationQuerySet.as_manager()

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("ohms_core.Organization", verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(_("object id"), max_length=64, db_index=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    transition = models.CharField(_("transition"), max_length=64)
    from_state = models.CharField(_("from"), max_length=64)
    to_state = models.CharField(_("to"), max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField(_("comment"), blank=True)
    timestamp = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("transition log")
        ordering = ["-timestamp"]
        indexes = [models.Index(fields=["content_type", "object_id", "timestamp"], name="transitionlog_object")]

    def __str__(self):
        return f"{self.object_repr}: {self.from_state} → {self.to_state} ({self.transition})"
