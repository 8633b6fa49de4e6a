"""Outbound webhooks (SPEC 5.2 as amended by DECISIONS 6): endpoints, deliveries, attempts.

Saleor's ledger design: an endpoint subscribes to event types; each (endpoint, outbox event)
pair is one ``WebhookDelivery`` row (unique, so a dispatch run twice, or a redelivery, never
makes a second delivery), and every HTTP try is one append-only ``WebhookAttempt``.

The signing key lives in ``WebhookSecret``, a table of its own without history: the
endpoint has history and audit rows (``BaseModel``), which would otherwise copy the key
into tables auditors read. The key cannot be hashed (it must sign), so it never leaves the
server after the one response that hands it out.
"""
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ohms_core.models import BaseModel
from ohms_core.models.base import OrganizationQuerySet

#: Subscribing to this receives every event type, present and future.
ALL_EVENTS = "*"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed (will retry)")
    DEAD = "dead", _("Dead (retries exhausted)")


class WebhookEndpoint(BaseModel):
    """Where an organization's events are POSTed, signed (Standard Webhooks)."""

    tenancy_project_path = "project"
    tenancy_org_wide_allowed = True

    name = models.CharField(_("name"), max_length=120)
    project = models.ForeignKey("ohms_core.Project", verbose_name=_("project"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+",
                                help_text=_("Empty: events of every project of the organization."))
    url = models.URLField(_("URL"), max_length=500, help_text=_("HTTPS address of the receiver."))
    events = models.JSONField(_("event types"), default=list, blank=True,
                              help_text=_("Event types from the catalogue, or “*” for every event type."))
    enabled = models.BooleanField(_("enabled"), default=True)
    disabled_reason = models.CharField(_("disabled because"), max_length=255, blank=True)
    last_status_code = models.PositiveIntegerField(_("last status code"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_sent_at = models.DateTimeField(_("last sent at"), null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0, editable=False)

    class Meta(BaseModel.Meta):
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.project_id and self.organization_id and self.project.organization_id != self.organization_id:
            raise ValidationError({"project": _("This project belongs to another organization.")})
        if not isinstance(self.events, list) or not all(isinstance(e, str) for e in self.events):
            raise ValidationError({"events": _("A list of event types is required.")})

    def wants(self, event_type: str) -> bool:
        return ALL_EVENTS in self.events or event_type in self.events


class WebhookSecret(models.Model):
    """The endpoint's signing key(s): current, and during a rotation the previous one until
    ``previous_valid_until`` (requests are then signed with both)."""

    endpoint = models.OneToOneField(WebhookEndpoint, primary_key=True, on_delete=models.CASCADE, related_name="signing")
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_valid_until = models.DateTimeField(null=True, blank=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook secret")
        verbose_name_plural = _("webhook secrets")

    def __str__(self):
        return f"{self.endpoint_id}: ********"

    def signing_secrets(self, now=None) -> list[str]:
        now = now or timezone.now()
        secrets = [self.secret]
        if self.previous_secret and self.previous_valid_until and self.previous_valid_until > now:
            secrets.append(self.previous_secret)
        return secrets


class WebhookDelivery(models.Model):
    """One outbox event for one endpoint. ``webhook_id`` (the ``webhook-id`` header) is
    derived from the event id and the endpoint, so every attempt, retry and manual
    redelivery of the same delivery carries the same id and receivers can deduplicate."""

    tenancy_project_path = "endpoint__project"
    tenancy_org_wide_allowed = True

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("ohms_core.Organization", verbose_name=_("organization"), on_delete=models.PROTECT,
                                     related_name="+")
    endpoint = models.ForeignKey(WebhookEndpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE,
                                 related_name="deliveries")
    event = models.ForeignKey("ohms_core.Event", verbose_name=_("event"), null=True, blank=True,
                              on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(_("event type"), max_length=100, db_index=True)
    webhook_id = models.CharField(_("webhook id"), max_length=64, unique=True)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(_("status"), max_length=20, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True, db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_status_code = models.PositiveIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhookdelivery_once_per_endpoint_event"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhookdelivery_due")]

    def __str__(self):
        return f"{self.event_type} → {self.endpoint_id}: {self.status}"


class WebhookAttemptAppendOnly(Exception):
    """Raised on any attempt to change or delete a webhook attempt row."""


class WebhookAttemptQuerySet(OrganizationQuerySet):
    def update(self, **kwargs):
        raise WebhookAttemptAppendOnly("Webhook attempts cannot be changed.")

    def delete(self):
        raise WebhookAttemptAppendOnly("Webhook attempts cannot be deleted.")


class WebhookAttempt(models.Model):
    """One HTTP try of a delivery (append-only): what the receiver answered and how fast."""

    tenancy_project_path = "delivery__endpoint__project"
    tenancy_org_wide_allowed = True

    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey("ohms_core.Organization", verbose_name=_("organization"), on_delete=models.PROTECT,
                                     related_name="+")
    delivery = models.ForeignKey(WebhookDelivery, verbose_name=_("delivery"), on_delete=models.CASCADE,
                                 related_name="attempt_log")
    number = models.PositiveIntegerField(_("attempt"))
    manual = models.BooleanField(_("manual"), default=False)
    status_code = models.PositiveIntegerField(_("status code"), null=True, blank=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    error = models.TextField(_("error"), blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    objects = WebhookAttemptQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"#{self.number} {self.status_code or self.error[:40]}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise WebhookAttemptAppendOnly("Webhook attempts cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise WebhookAttemptAppendOnly("Webhook attempts cannot be deleted.")
