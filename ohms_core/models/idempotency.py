"""Idempotency-Key records: what an integrator's retried POST must answer (ohms_core.idempotency).

A row is written (reserved) before the view runs, under a unique scope hash, so two
concurrent requests with the same key cannot both act; the response is stored when the
view finishes so a retry gets the first answer back instead of acting twice.
"""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    id = models.BigAutoField(primary_key=True)
    #: sha256 of (organization, user, token, method, path, key): the unique reservation.
    scope_hash = models.CharField(_("scope hash"), max_length=64, unique=True)
    organization = models.ForeignKey("ohms_core.Organization", verbose_name=_("organization"), null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    token = models.ForeignKey("ohms_core.ApiToken", verbose_name=_("API token"), null=True, blank=True,
                              on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.TextField(_("path"))
    #: sha256 of the canonical request body and query string.
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    #: Empty while the first request is still running.
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response_body = models.BinaryField(_("response body"), default=b"", blank=True)
    response_headers = models.JSONField(_("response headers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")

    def __str__(self):
        return f"{self.method} {self.path} [{self.key}] → {self.status_code or '…'}"

    @property
    def in_flight(self) -> bool:
        return self.status_code is None
