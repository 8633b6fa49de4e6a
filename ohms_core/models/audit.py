"""Append-only audit trail (SPEC 1.4).

Rows are written by ``ohms_core.services.audit.audit_record`` and never changed: the
model refuses updates and deletes, its queryset refuses bulk update/delete, the admin
and the API expose it read-only, and on PostgreSQL a trigger refuses UPDATE/DELETE.
"""
import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import OrganizationQuerySet


class AuditAction(models.TextChoices):
    VIEW = "view", _("View")
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    RESTORE = "restore", _("Restore")
    LOGIN = "login", _("Login")
    LOGOUT = "logout", _("Logout")
    LOGIN_FAILED = "login_failed", _("Failed login")
    EXPORT = "export", _("Export")
    PRINT = "print", _("Print")


class AuditRisk(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit row."""


class AuditLogQuerySet(OrganizationQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit log rows cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit log rows cannot be deleted.")


class AuditLog(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    timestamp = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    organization = models.ForeignKey(
        "ohms_core.Organization", verbose_name=_("organization"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    username = models.CharField(_("user name"), max_length=254, blank=True, help_text=_("As typed, kept for failed logins."))
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices, db_index=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True, help_text=_("Before and after values."))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    session_id = models.CharField(_("session"), max_length=64, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=10, choices=AuditRisk.choices, default=AuditRisk.LOW)
    success = models.BooleanField(_("success"), default=True)
    error_message = models.TextField(_("error message"), blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-timestamp"]
        indexes = [models.Index(fields=["organization", "-timestamp"], name="auditlog_org_time")]

    def __str__(self):
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.get_action_display()} {self.object_repr}".strip()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit log rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit log rows cannot be deleted.")
