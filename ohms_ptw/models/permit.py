"""The permit and its children."""
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from ohms_core.files import OrganizationUploadTo
from ohms_core.models import BaseModel, Document, Project, Worker
from ohms_core.models.base import OrganizationQuerySet
from ohms_core.workflows import StateMachineMixin, gate

from .. import gates
from .. import permissions as perms
from ..states import (
    ExtensionStatus,
    Gas,
    PermitStatus,
    PhotoType,
    Priority,
    RiskLevel,
    SignatureMeaning,
)
from ..states import PermitStatus as S
from .config import PermitType, RiskMatrix

USER = settings.AUTH_USER_MODEL


def _person(label):
    return models.ForeignKey(USER, verbose_name=label, null=True, blank=True, on_delete=models.PROTECT, related_name="+")


class PermitNumberSequence(models.Model):
    """Per organization and year; incremented atomically in the database (no races)."""

    organization = models.ForeignKey("ohms_core.Organization", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="permit_sequence_per_org_year")]

    def __str__(self):
        return f"{self.organization_id} {self.year}: {self.last_value}"


class Permit(StateMachineMixin, BaseModel):
    tenancy_project_path = "project"  # tenancy: ohms_core.scoping
    permit_number = models.CharField(_("permit number"), max_length=40, editable=False, db_index=True)
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    permit_type = models.ForeignKey(PermitType, verbose_name=_("permit type"), on_delete=models.PROTECT, related_name="permits")
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="permits")
    location = models.CharField(_("location"), max_length=255)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    likelihood = models.PositiveSmallIntegerField(_("likelihood (1-5)"), default=1, validators=[MinValueValidator(1), MaxValueValidator(5)])
    severity = models.PositiveSmallIntegerField(_("severity (1-5)"), default=1, validators=[MinValueValidator(1), MaxValueValidator(5)])
    risk_matrix = models.ForeignKey(RiskMatrix, verbose_name=_("risk matrix"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    risk_score = models.PositiveSmallIntegerField(_("risk score"), default=1, editable=False)
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW, editable=False)
    risk_assessment = models.TextField(_("risk assessment"), blank=True)
    control_measures = models.TextField(_("control measures"), blank=True)

    planned_start_time = models.DateTimeField(_("planned start"))
    planned_end_time = models.DateTimeField(_("planned end"))
    actual_start_time = models.DateTimeField(_("actual start"), null=True, blank=True, editable=False)
    actual_end_time = models.DateTimeField(_("actual end"), null=True, blank=True, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)

    issuer = _person(_("issuer"))
    receiver = _person(_("receiver"))
    verifier = _person(_("verifier"))
    approver = _person(_("approver"))
    area_incharge = _person(_("area in-charge"))
    department_head = _person(_("department head"))

    requires_isolation = models.BooleanField(_("requires isolation"), default=False)
    isolation_details = models.TextField(_("isolation details"), blank=True)
    isolation_certificate = models.FileField(_("isolation certificate"), upload_to=OrganizationUploadTo("ptw-isolation"), blank=True)
    ppe_requirements = models.JSONField(_("PPE"), default=list, blank=True)
    safety_checklist = models.JSONField(_("safety checklist"), default=dict, blank=True)
    method_statement = models.ForeignKey(Document, verbose_name=_("method statement"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    work_procedure = models.ForeignKey(Document, verbose_name=_("work procedure"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    risk_assessment_doc = models.ForeignKey(Document, verbose_name=_("risk assessment document"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    site_layout = models.ForeignKey(Document, verbose_name=_("site layout"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    extension_count = models.PositiveSmallIntegerField(_("extensions"), default=0, editable=False)
    suspension_reason = models.TextField(_("suspension reason"), blank=True, editable=False)
    offline_id = models.CharField(_("offline id"), max_length=100, blank=True, db_index=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True, editable=False)
    status = FSMField(_("status"), default=PermitStatus.DRAFT, choices=PermitStatus.choices, protected=True, db_index=True)

    class Meta:
        verbose_name = _("permit")
        verbose_name_plural = _("permits")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["organization", "permit_number"], name="permit_number_unique_per_org")]
        indexes = [
            models.Index(fields=["project", "status", "created_at"], name="permit_project_status"),
            models.Index(fields=["project", "planned_end_time"], name="permit_project_end"),
            # The list's default order within an organization, read from the index: a page of 50 costs 50
            # rows, not a sort of every permit of the organization (issue 9 benchmarks).
            models.Index(fields=["organization", "-created_at"], name="permit_org_created"),
            # SIMOPS (readiness, the location gate): the live permits of an organization starting before a
            # window ends, read from the index instead of every permit of the organization (issue 9).
            models.Index(fields=["organization", "status", "planned_start_time"], name="permit_org_status_start"),
        ]

    def __str__(self):
        return f"{self.permit_number} — {self.title}"

    # --- state machine (SPEC 2.3). Bodies only set this permit's own fields; gates and
    # permissions come from gates.py / permissions.py; services do the rest. ---------
    @transition(field=status, source=S.DRAFT, target=S.SUBMITTED, permission=perms.can_submit,
                custom={"label": _("Submit"), "event": "submitted"})
    def submit(self):
        self.submitted_at = timezone.now()

    @transition(field=status, source=[S.DRAFT, S.SUBMITTED], target=S.PENDING_VERIFICATION,
                conditions=[gate(gates.workflow_people_gate), gate(gates.segregation_gate)], permission=perms.can_submit,
                custom={"label": _("Send for verification"), "event": "workflow_initiated"})
    def initiate_workflow(self):
        self.submitted_at = self.submitted_at or timezone.now()

    @transition(field=status, source=S.PENDING_VERIFICATION, target=S.PENDING_APPROVAL, permission=perms.can_verify_own_step,
                conditions=[gate(gates.segregation_gate)], custom={"label": _("Verify"), "event": "verified"})
    def verify(self):
        self.verified_at = timezone.now()

    @transition(field=status, source=S.PENDING_VERIFICATION, target=S.REJECTED, permission=perms.can_verify,
                custom={"label": _("Reject (verification)"), "event": "rejected", "comment_required": True})
    def reject_verification(self):
        pass

    @transition(field=status, source=S.PENDING_APPROVAL, target=S.APPROVED, permission=perms.can_approve_own_step,
                conditions=[gate(gates.segregation_gate), gate(gates.approval_gates)], custom={"label": _("Approve"), "event": "approved"})
    def approve(self):
        self.approved_at = timezone.now()

    @transition(field=status, source=S.PENDING_APPROVAL, target=S.REJECTED, permission=perms.can_approve,
                custom={"label": _("Reject"), "event": "rejected", "comment_required": True})
    def reject(self):
        pass

    @transition(field=status, source=[S.PENDING_VERIFICATION, S.PENDING_APPROVAL], target=S.UNDER_REVIEW,
                permission=perms.can_review, custom={"label": _("Put under review"), "event": "under_review", "comment_required": True})
    def mark_under_review(self):
        pass

    @transition(field=status, source=S.UNDER_REVIEW, target=S.PENDING_APPROVAL, permission=perms.can_review,
                custom={"label": _("Back to approval"), "event": "review_done"})
    def end_review(self):
        pass

    @transition(field=status, source=S.APPROVED, target=S.ACTIVE, permission=perms.can_issue,
                conditions=[gate(gates.activation_gates)], custom={"label": _("Activate"), "event": "activated"})
    def activate(self):
        self.actual_start_time = timezone.now()

    @transition(field=status, source=[S.APPROVED, S.ACTIVE], target=S.SUSPENDED, permission=perms.can_issue,
                custom={"label": _("Suspend"), "event": "suspended", "comment_required": True})
    def suspend(self):
        pass

    @transition(field=status, source=S.SUSPENDED, target=S.ACTIVE, permission=perms.can_issue,
                conditions=[gate(gates.activation_gates)], custom={"label": _("Resume"), "event": "resumed"})
    def resume(self):
        self.suspension_reason = ""

    @transition(field=status, source=S.ACTIVE, target=S.COMPLETED, permission=perms.can_close,
                conditions=[gate(gates.completion_gates)], custom={"label": _("Complete"), "event": "completed"})
    def complete(self):
        self.actual_end_time = self.completed_at = timezone.now()

    @transition(field=status, source=[S.DRAFT, S.SUBMITTED, S.PENDING_VERIFICATION, S.PENDING_APPROVAL, S.UNDER_REVIEW,
                                      S.APPROVED, S.SUSPENDED], target=S.CANCELLED, permission=perms.can_cancel,
                custom={"label": _("Cancel"), "event": "cancelled", "comment_required": True})
    def cancel(self):
        pass

    @transition(field=status, source=[S.APPROVED, S.ACTIVE, S.SUSPENDED], target=S.EXPIRED, permission=perms.system_only,
                custom={"label": _("Expire"), "event": "expired", "system": True})
    def expire(self):
        pass

    @transition(field=status, source=[S.DRAFT, S.SUBMITTED, S.REJECTED], target=S.OBSOLETE, permission=perms.can_cancel,
                custom={"label": _("Mark obsolete"), "event": "obsolete"})
    def mark_obsolete(self):
        pass


class PermitHazard(BaseModel):
    tenancy_project_path = "permit__project"  # tenancy: ohms_core.scoping
    permit = models.ForeignKey(Permit, verbose_name=_("permit"), on_delete=models.CASCADE, related_name="hazards")
    hazard = models.CharField(_("hazard"), max_length=255)
    control_measures = models.TextField(_("control measures"), blank=True)
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.MEDIUM)

    class Meta:
        verbose_name = _("permit hazard")
        verbose_name_plural = _("permit hazards")
        ordering = ["created_at"]

    def __str__(self):
        return self.hazard


class PermitWorker(BaseModel):
    tenancy_project_path = "permit__project"  # tenancy: ohms_core.scoping
    permit = models.ForeignKey(Permit, verbose_name=_("permit"), on_delete=models.CASCADE, related_name="workers")
    worker = models.ForeignKey(Worker, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="permit_assignments")
    role = models.CharField(_("role on the job"), max_length=100, blank=True)
    briefed = models.BooleanField(_("toolbox talk done"), default=False)

    class Meta:
        verbose_name = _("permit worker")
        verbose_name_plural = _("permit workers")
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["permit", "worker"], condition=Q(is_deleted=False), name="permitworker_once")]

    def __str__(self):
        return str(self.worker)


class GasReading(BaseModel):
    """Append-only: a wrong reading is corrected by a new reading, never edited."""
    tenancy_project_path = "permit__project"  # tenancy: ohms_core.scoping

    permit = models.ForeignKey(Permit, verbose_name=_("permit"), on_delete=models.CASCADE, related_name="gas_readings")
    gas = models.CharField(_("gas"), max_length=10, choices=Gas.choices)
    value = models.DecimalField(_("value"), max_digits=8, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    safe = models.BooleanField(_("safe"), default=False, editable=False)
    tested_by = _person(_("tested by"))
    tested_at = models.DateTimeField(_("tested at"))
    instrument = models.CharField(_("instrument"), max_length=100, blank=True)
    offline_id = models.CharField(_("offline id"), max_length=100, blank=True, db_index=True)
    device_id = models.CharField(_("device id"), max_length=100, blank=True,
                                 help_text=_("The device that recorded the reading offline (X-Device-Id)."))

    class Meta:
        verbose_name = _("gas reading")
        verbose_name_plural = _("gas readings")
        ordering = ["-tested_at"]
        indexes = [models.Index(fields=["permit", "gas", "-tested_at"], name="gasreading_latest")]
        # A retried offline reading must never be a second row, even when two retries race
        # (services/offline.py returns the first one).
        constraints = [models.UniqueConstraint(fields=["permit", "device_id", "offline_id"], condition=~Q(offline_id=""),
                                               name="gasreading_offline_once")]

    def __str__(self):
        return f"{self.gas} {self.value}{self.unit}"


class DigitalSignature(BaseModel):
    tenancy_project_path = "permit__project"  # tenancy: ohms_core.scoping
    permit = models.ForeignKey(Permit, verbose_name=_("permit"), on_delete=models.CASCADE, related_name="signatures")
    signatory = models.ForeignKey(USER, verbose_name=_("signed by"), on_delete=models.PROTECT, related_name="+")
    meaning = models.CharField(_("meaning"), max_length=20, choices=SignatureMeaning.choices)
    signed_at = models.DateTimeField(_("signed at"))
    permit_version = models.PositiveIntegerField(_("permit version signed"))
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64)
    signature_data = models.TextField(_("signature image"), blank=True, help_text=_("Never written to logs."))

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at"]

    def __str__(self):
        return f"{self.get_meaning_display()} — {self.signatory}"


class PermitPhoto(BaseModel):
    tenancy_project_path = "permit__project"  # tenancy: ohms_core.scoping
    permit = models.ForeignKey(Permit, verbose_name=_("permit"), on_delete=models.CASCADE, related_name="photos")
    photo_type = models.CharField(_("type"), max_length=20, choices=PhotoType.choices, default=PhotoType.OTHER)
    file = models.FileField(_("photo"), upload_to=OrganizationUploadTo("ptw-photos"))
    caption = models.CharField(_("caption"), max_length=255, blank=True)
    taken_by = _person(_("taken by"))
    taken_at = models.DateTimeField(_("taken at"))
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True, editable=False)
    offline_id = models.CharField(_("offline id"), max_length=100, blank=True, db_index=True)
    device_id = models.CharField(_("device id"), max_length=100, blank=True,
                                 help_text=_("The device that took the photo offline (X-Device-Id)."))

    class Meta:
        verbose_name = _("permit photo")
        verbose_name_plural = _("permit photos")
        ordering = ["-taken_at"]
        constraints = [models.UniqueConstraint(fields=["permit", "device_id", "offline_id"], condition=~Q(offline_id=""),
                                               name="permitphoto_offline_once")]

    def __str__(self):
        return self.caption or self.get_photo_type_display()


class PermitAudit(models.Model):
    """One row per PTW action (SPEC: "All actions logged in PermitAudit"). Append-only."""
    tenancy_project_path = "permit__project"  # tenancy: ohms_core.scoping

    organization = models.ForeignKey("ohms_core.Organization", on_delete=models.PROTECT, related_name="+")
    permit = models.ForeignKey(Permit, verbose_name=_("permit"), on_delete=models.CASCADE, related_name="audits")
    action = models.CharField(_("action"), max_length=64, db_index=True)
    user = models.ForeignKey(USER, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    timestamp = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    comments = models.TextField(_("comments"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("permit audit entry")
        verbose_name_plural = _("permit audit")
        ordering = ["-timestamp"]

    def __str__(self):
        return f"{self.permit_id} {self.action}"


class PermitExtension(BaseModel):
    tenancy_project_path = "permit__project"  # tenancy: ohms_core.scoping
    permit = models.ForeignKey(Permit, verbose_name=_("permit"), on_delete=models.CASCADE, related_name="extensions")
    previous_end_time = models.DateTimeField(_("previous end"))
    new_end_time = models.DateTimeField(_("new end"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=20, choices=ExtensionStatus.choices, default=ExtensionStatus.REQUESTED)
    requested_by = _person(_("requested by"))
    decided_by = _person(_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)

    class Meta:
        verbose_name = _("permit extension")
        verbose_name_plural = _("permit extensions")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.permit_id} → {self.new_end_time:%Y-%m-%d %H:%M}"
