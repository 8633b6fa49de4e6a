"""In-app notifications (SPEC 1.7), the rules that create them, and user preferences."""
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..roles import Role
from .base import BaseModel


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(is_read=False)

    def for_user(self, user):
        return self.filter(user=user)


class Notification(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("ohms_core.Organization", verbose_name=_("organization"), null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="ohms_notifications")
    event = models.ForeignKey("ohms_core.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications")
    event_type = models.CharField(_("event type"), max_length=100, db_index=True)
    title = models.CharField(_("title"), max_length=255)
    message = models.TextField(_("message"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    is_read = models.BooleanField(_("read"), default=False, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=64, db_index=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "dedupe_key"], name="notification_dedupe_per_recipient")]
        indexes = [models.Index(fields=["user", "is_read", "-created_at"], name="notification_inbox")]

    def __str__(self):
        return self.title


class NotificationRule(BaseModel):
    """Which event type notifies whom: roles of the organization, and/or the people assigned
    on the object (its attributes holding users, e.g. ``assigned_approver``)."""

    event_type = models.CharField(_("event type"), max_length=100, db_index=True)
    roles = models.JSONField(_("roles"), default=list, blank=True, help_text=_("Members with these roles are notified."))
    assignee_fields = models.CharField(
        _("assigned people"), max_length=255, blank=True,
        help_text=_("Comma-separated attributes of the object that hold users, e.g. assigned_verifier, assigned_approver."),
    )
    notify_actor = models.BooleanField(_("notify the person who acted"), default=False)
    in_app = models.BooleanField(_("in-app"), default=True)
    email = models.BooleanField(_("email"), default=False)
    title_template = models.CharField(_("title (English)"), max_length=255, blank=True,
                                      help_text=_("Django template; leave empty for the default text. Variables: event, object, actor, data."))
    message_template = models.TextField(_("message (English)"), blank=True)
    title_template_fr = models.CharField(_("title (French)"), max_length=255, blank=True)
    message_template_fr = models.TextField(_("message (French)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("notification rule")
        verbose_name_plural = _("notification rules")
        ordering = ["event_type"]

    def __str__(self):
        return self.event_type

    def clean(self):
        from django.core.exceptions import ValidationError

        # Templates are checked here so every path that saves a rule (admin form, services,
        # API) refuses a broken one: saved, it would only fail later, at dispatch time.
        from ..services.notifications import notification_template_validate

        errors = {}
        unknown = [r for r in (self.roles or []) if r not in Role.values]
        if unknown:
            errors["roles"] = _("Unknown roles: %(roles)s") % {"roles": ", ".join(unknown)}
        for name in ("title_template", "message_template", "title_template_fr", "message_template_fr"):
            try:
                notification_template_validate(getattr(self, name))
            except ValidationError as exc:
                errors[name] = exc.messages
        if errors:
            raise ValidationError(errors)


class NotificationPreference(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ohms_notification_preference")
    email_enabled = models.BooleanField(_("also send notifications by email"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.user)
