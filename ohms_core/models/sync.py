"""The offline-sync store (SPEC 5.1, 5.3; decision "Offline sync placement").

Generic, so it lives in core: any add-on that registers sync adapters
(``ohms_core.sync``) uses the same three tables.

- ``AppliedOfflineChange``: the idempotency ledger. A device that lost the answer sends the
  same change again; the (organization, device, offline id, entity) key finds the first
  result and gives it back without acting twice.
- ``SyncRunLog``: one row per call of the sync endpoint (counts and duration), read by the
  PTW health report and cleaned after 30 days.
- ``SyncConflict``: every entry the endpoint returns under ``conflicts``, kept so that a
  person can resolve it later in the admin or through the API (DECISIONS 9).
"""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import BaseModel, OrganizationQuerySet


class AppliedOfflineChange(models.Model):
    """A change from a device that was applied once; its answer is replayed on a repeat."""

    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey("ohms_core.Organization", verbose_name=_("organization"), on_delete=models.PROTECT,
                                     related_name="+")
    device_id = models.CharField(_("device id"), max_length=100)
    offline_id = models.CharField(_("offline id"), max_length=100)
    entity = models.CharField(_("entity"), max_length=50)
    server_id = models.CharField(_("server id"), max_length=64, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    #: The ``applied`` entry first returned (without ``server_state``, re-read on a repeat).
    result = models.JSONField(_("result"), default=dict, blank=True)
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now, db_index=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("applied offline change")
        verbose_name_plural = _("applied offline changes")
        ordering = ["-applied_at"]
        constraints = [models.UniqueConstraint(fields=["organization", "device_id", "offline_id", "entity"],
                                               name="appliedofflinechange_once")]
        indexes = [models.Index(fields=["organization", "-applied_at"], name="appliedchange_org_time")]

    def __str__(self):
        return f"{self.entity} {self.offline_id} ({self.device_id})"


class SyncRunLog(models.Model):
    """One sync call: who, which device, how many changes applied / in conflict / rejected."""

    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey("ohms_core.Organization", verbose_name=_("organization"), on_delete=models.PROTECT,
                                     related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    change_count = models.PositiveIntegerField(_("changes"), default=0)
    applied_count = models.PositiveIntegerField(_("applied"), default=0)
    conflict_count = models.PositiveIntegerField(_("conflicts"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["organization", "-started_at"], name="syncrunlog_org_time")]

    def __str__(self):
        return f"{self.device_id} {self.started_at:%Y-%m-%d %H:%M}"


class SyncConflictStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    DISCARDED = "discarded", _("Discarded")


class SyncResolution(models.TextChoices):
    KEEP_SERVER = "keep_server", _("Keep server")
    KEEP_CLIENT = "keep_client", _("Keep mine (client)")
    MERGE = "merge", _("Merge")
    DISCARD = "discard", _("Discard")


class SyncConflict(BaseModel):
    """A change the server did not apply as sent (SPEC 5.1 "Admin UI"); one row per entry
    returned under ``conflicts``. ``change`` keeps what the device sent, so "keep mine"
    can apply it later through the same adapter (services and gates)."""

    tenancy_project_path = "project"  # tenancy: ohms_core.scoping
    project = models.ForeignKey("ohms_core.Project", verbose_name=_("project"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    device_id = models.CharField(_("device"), max_length=100, blank=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    entity = models.CharField(_("entity"), max_length=50, db_index=True)
    op = models.CharField(_("operation"), max_length=30, blank=True)
    offline_id = models.CharField(_("offline id"), max_length=100, blank=True)
    server_id = models.CharField(_("server id"), max_length=64, blank=True)
    reference = models.CharField(_("reference"), max_length=60, blank=True, help_text=_("E.g. the permit number."))
    title = models.CharField(_("title"), max_length=255, blank=True)
    reason = models.CharField(_("reason"), max_length=40)
    client_version = models.PositiveIntegerField(_("client version"), null=True, blank=True)
    server_version = models.PositiveIntegerField(_("server version"), null=True, blank=True)
    fields = models.JSONField(_("fields"), default=dict, blank=True)
    server_state = models.JSONField(_("server state"), default=dict, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    change = models.JSONField(_("change sent"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=SyncConflictStatus.choices,
                              default=SyncConflictStatus.OPEN, db_index=True)
    resolution = models.CharField(_("resolution"), max_length=20, choices=SyncResolution.choices, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("sync conflict")
        verbose_name_plural = _("sync conflicts")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "status", "-created_at"], name="syncconflict_org_status"),
                   models.Index(fields=["organization", "device_id", "offline_id", "entity"], name="syncconflict_change")]

    def __str__(self):
        return f"{self.reference or self.entity} — {self.reason}"
