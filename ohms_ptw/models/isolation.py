"""Structured isolation (LOTO): the point library, points on a permit, procedures, lock log."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from ohms_core.files import OrganizationUploadTo
from ohms_core.models import BaseModel, Project, Site
from ohms_core.models.base import OrganizationQuerySet
from ohms_core.workflows import StateMachineMixin, gate

from .. import gates
from .. import permissions as perms
from ..states import EnergyType, IsolationStatus, LotoStatus, PointType
from .permit import Permit


class IsolationPointLibrary(BaseModel):
    tenancy_project_path = "project"  # tenancy: ohms_core.scoping
    tenancy_org_wide_allowed = True  # rows with no project are every member's
    project = models.ForeignKey(Project, verbose_name=_("project"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="isolation_points", help_text=_("Empty: available to every project."))
    site = models.ForeignKey(Site, verbose_name=_("site"), null=True, blank=True, on_delete=models.PROTECT, related_name="isolation_points")
    asset_tag = models.CharField(_("asset tag"), max_length=100, blank=True, db_index=True)
    point_code = models.CharField(_("point code"), max_length=100)
    point_type = models.CharField(_("point type"), max_length=20, choices=PointType.choices, default=PointType.OTHER)
    energy_type = models.CharField(_("energy type"), max_length=20, choices=EnergyType.choices, default=EnergyType.ELECTRICAL)
    location = models.CharField(_("location"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    isolation_method = models.TextField(_("isolation method"), blank=True)
    verification_method = models.TextField(_("zero-energy verification"), blank=True)
    requires_lock = models.BooleanField(_("requires a lock"), default=True)
    default_lock_count = models.PositiveSmallIntegerField(_("default lock count"), default=1)
    ppe_required = models.JSONField(_("PPE required"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("isolation point")
        verbose_name_plural = _("isolation point library")
        ordering = ["point_code"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "project", "point_code"], condition=Q(is_deleted=False),
                                    name="isolationpoint_code_unique_per_project"),
            models.UniqueConstraint(fields=["organization", "point_code"], condition=Q(is_deleted=False, project__isnull=True),
                                    name="isolationpoint_code_unique_global"),
        ]
        indexes = [models.Index(fields=["project", "asset_tag"], name="isolationpoint_asset"),
                   models.Index(fields=["project", "site"], name="isolationpoint_site")]

    def __str__(self):
        return f"{self.point_code} - {self.get_point_type_display().lower()} ({self.get_energy_type_display().lower()})"


class PermitIsolationPoint(StateMachineMixin, BaseModel):
    tenancy_project_path = "permit__project"  # tenancy: ohms_core.scoping
    permit = models.ForeignKey(Permit, verbose_name=_("permit"), on_delete=models.CASCADE, related_name="isolation_points")
    point = models.ForeignKey(IsolationPointLibrary, verbose_name=_("library point"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="assignments")
    custom_point_name = models.CharField(_("custom point"), max_length=200, blank=True)
    custom_point_details = models.TextField(_("custom point details"), blank=True)
    status = FSMField(_("status"), default=IsolationStatus.ASSIGNED, choices=IsolationStatus.choices, protected=True)
    required = models.BooleanField(_("required"), default=True)
    lock_applied = models.BooleanField(_("lock applied"), default=False, editable=False)
    lock_count = models.PositiveSmallIntegerField(_("lock count"), default=0, editable=False)
    lock_ids = models.JSONField(_("lock ids"), default=list, blank=True, editable=False)
    isolated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False)
    isolated_at = models.DateTimeField(_("isolated at"), null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, editable=False)
    verification_notes = models.TextField(_("verification notes"), blank=True, editable=False)
    deisolated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False)
    deisolated_at = models.DateTimeField(_("de-isolated at"), null=True, blank=True, editable=False)
    deisolated_notes = models.TextField(_("de-isolation notes"), blank=True, editable=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Copied, not linked: the steps are prefilled from the LOTO procedure chosen (or the library
    # point's isolation method) when the point is assigned, then edited for this job.
    loto_procedure = models.ForeignKey("LotoProcedure", verbose_name=_("LOTO procedure"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    isolation_steps = models.TextField(_("isolation steps"), blank=True, help_text=_("One step per line, in order."))

    class Meta:
        verbose_name = _("permit isolation point")
        verbose_name_plural = _("permit isolation points")
        ordering = ["order", "created_at"]
        constraints = [models.UniqueConstraint(fields=["permit", "point"], condition=Q(point__isnull=False, is_deleted=False),
                                               name="permitisolationpoint_once")]
        indexes = [models.Index(fields=["permit", "status"], name="permitpoint_status")]

    def __str__(self):
        return self.point.point_code if self.point_id else self.custom_point_name

    # Monotonic: assigned -> isolated -> verified -> deisolated; any non-final -> cancelled.
    # Permissions and gates here hold on every path (REST, permit screen, generic admin URL);
    # the services registered for these transitions do the bookkeeping (LOTO log, audit).
    @transition(field=status, source=IsolationStatus.ASSIGNED, target=IsolationStatus.ISOLATED,
                permission=perms.can_isolate_point, conditions=[gate(gates.point_permit_open_gate)],
                custom={"label": _("Isolate"), "event": "isolated"})
    def isolate(self, *, by, lock_applied=True, lock_count=1, lock_ids=()):
        self.lock_applied = bool(lock_applied)
        self.lock_count = int(lock_count or 0)
        self.lock_ids = [str(i) for i in lock_ids]
        self.isolated_by, self.isolated_at = by, timezone.now()

    @transition(field=status, source=IsolationStatus.ISOLATED, target=IsolationStatus.VERIFIED,
                permission=perms.can_isolate_point, conditions=[gate(gates.point_permit_open_gate)],
                custom={"label": _("Verify zero energy"), "event": "verified"})
    def verify(self, *, by, notes=""):
        self.verified_by, self.verified_at, self.verification_notes = by, timezone.now(), notes

    @transition(field=status, source=IsolationStatus.VERIFIED, target=IsolationStatus.DEISOLATED,
                permission=perms.can_isolate_point, conditions=[gate(gates.deisolation_gates)],
                custom={"label": _("De-isolate"), "event": "deisolated"})
    def deisolate(self, *, by, notes=""):
        self.deisolated_by, self.deisolated_at, self.deisolated_notes = by, timezone.now(), notes
        self.lock_applied = False

    @transition(field=status, source=[IsolationStatus.ASSIGNED, IsolationStatus.ISOLATED, IsolationStatus.VERIFIED],
                target=IsolationStatus.CANCELLED, permission=perms.can_cancel_point,
                conditions=[gate(gates.point_permit_open_gate), gate(gates.shared_point_gate)],
                custom={"label": _("Cancel"), "event": "cancelled", "comment_required": True})
    def cancel(self, *, by=None):
        self.lock_applied = False


class LotoProcedure(BaseModel):
    tenancy_project_path = "project"  # tenancy: ohms_core.scoping
    tenancy_org_wide_allowed = True  # rows with no project are every member's
    asset_tag = models.CharField(_("asset tag"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    project = models.ForeignKey(Project, verbose_name=_("project"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    steps = models.TextField(_("steps"), help_text=_("One step per line, in order."))
    points = models.ManyToManyField(IsolationPointLibrary, verbose_name=_("isolation points"), blank=True, related_name="procedures")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("LOTO procedure")
        verbose_name_plural = _("LOTO procedures")
        ordering = ["asset_tag"]
        constraints = [models.UniqueConstraint(fields=["organization", "asset_tag"], condition=Q(is_deleted=False),
                                               name="lotoprocedure_asset_unique")]

    def __str__(self):
        return f"{self.asset_tag} — {self.name}"


class LotoLog(models.Model):
    """Lock applied / removed evidence, written when a point is isolated or de-isolated. Append-only."""
    tenancy_project_path = "permit__project"  # tenancy: ohms_core.scoping

    organization = models.ForeignKey("ohms_core.Organization", on_delete=models.PROTECT, related_name="+")
    permit = models.ForeignKey(Permit, verbose_name=_("permit"), on_delete=models.CASCADE, related_name="loto_logs")
    isolation_point = models.ForeignKey(PermitIsolationPoint, verbose_name=_("isolation point"), null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="loto_logs")
    asset_tag = models.CharField(_("asset tag"), max_length=100, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=LotoStatus.choices)
    lock_ids = models.JSONField(_("lock ids"), default=list, blank=True)
    photo = models.FileField(_("photo evidence"), upload_to=OrganizationUploadTo("ptw-loto"), blank=True)
    photo_hash = models.CharField(_("photo content hash"), max_length=64, blank=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, on_delete=models.SET_NULL, related_name="+")
    timestamp = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("LOTO log entry")
        verbose_name_plural = _("LOTO log")
        ordering = ["-timestamp"]

    def __str__(self):
        return f"{self.asset_tag} {self.get_action_display()}"
