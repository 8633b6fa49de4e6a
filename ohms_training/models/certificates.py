"""Certificates: issued when a worker passes a module's quiz, valid until ``expires_at``.

``code`` is the unguessable verification reference the PDF's QR code links to (a public
page says valid / expired with name, module and dates only). An expired certificate no
longer counts for competency (``selectors.valid_certificates``). The PDF is generated on
demand from the row (``exports.certificate_pdf``), so it never goes stale or leaks as a file.
"""
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ohms_core.models import BaseModel


def new_verification_code() -> str:
    return secrets.token_urlsafe(24)


class Certificate(BaseModel):
    worker = models.ForeignKey("ohms_core.Worker", verbose_name=_("worker"), on_delete=models.PROTECT,
                               related_name="training_certificates")
    module = models.ForeignKey("ohms_training.TrainingModule", verbose_name=_("module"), on_delete=models.PROTECT,
                               related_name="certificates")
    progress = models.ForeignKey("ohms_training.TrainingProgress", verbose_name=_("progress"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="certificates", editable=False)
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True, editable=False)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"), db_index=True, editable=False)
    code = models.CharField(_("verification code"), max_length=64, unique=True, default=new_verification_code,
                            editable=False)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at"]
        indexes = [models.Index(fields=["worker", "module", "expires_at"], name="ohms_training_cert_valid")]

    def __str__(self):
        return f"{self.module} — {self.worker}"

    def is_valid(self, now=None) -> bool:
        return self.expires_at > (now or timezone.now())


class CertificateReminder(BaseModel):
    """The ledger that makes renewal reminders idempotent: one row per certificate and
    days-before (30, 7); a second run finds it and sends nothing."""

    certificate = models.ForeignKey(Certificate, verbose_name=_("certificate"), on_delete=models.CASCADE,
                                    related_name="reminders")
    days_before = models.PositiveSmallIntegerField(_("days before expiry"))
    recipients = models.PositiveSmallIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("certificate reminder")
        verbose_name_plural = _("certificate reminders")
        constraints = [models.UniqueConstraint(fields=["certificate", "days_before"],
                                               name="training_certificate_reminder_once")]

    def __str__(self):
        return f"{self.certificate} — {self.days_before}"
