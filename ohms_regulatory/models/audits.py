"""Quality audits and their findings (SPEC 4.6, issue 12 "Quality audits and ESG").

An audit (ISO 45001, ISO 14001, an internal inspection...) happens at one site on a date
and produces findings. A finding carries its corrective action: an owner, a due date and
the small state machine open -> in_progress -> verified -> closed whose gates live in
``ohms_regulatory.audit_gates``. Overdue = past the due date and not yet verified; the
periodic job ``regulatory_audit_findings_overdue`` notifies the owner and the safety and
compliance side once per finding.
"""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from ohms_core.models import BaseModel
from ohms_core.roles import Role
from ohms_core.workflows import Reason, StateMachineMixin, gate, role_permission

from ..audit_gates import action_recorded, owner_assigned

#: Who runs audits and follows their findings up.
AUDIT_MANAGERS = (Role.ORG_ADMIN, Role.SAFETY_MANAGER, Role.COMPLIANCE_OFFICER)


def _four_eyes_permission():
    """Verification is done by an audit manager who is not the action's owner: the person who
    did the work does not sign it off (superusers included: the rule is about the person)."""
    base = role_permission(*AUDIT_MANAGERS)

    def reason(instance, user):
        if user is not None and instance.owner_id is not None and instance.owner_id == user.pk:
            return Reason("four_eyes", _("The owner of the corrective action cannot verify it: ask another "
                                         "audit manager."))
        return base.ohms_reason(instance, user)

    def permission(instance, user):
        return reason(instance, user) is None

    permission.ohms_reason = reason
    permission.ohms_roles = AUDIT_MANAGERS
    permission.ohms_message = None
    permission.ohms_has_rule = True
    return permission


class AuditResult(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFORMING = "conforming", _("Conforming")
    MINOR_NONCONFORMITIES = "minor_nc", _("Minor nonconformities")
    MAJOR_NONCONFORMITIES = "major_nc", _("Major nonconformities")


class FindingSeverity(models.TextChoices):
    OBSERVATION = "observation", _("Observation")
    MINOR = "minor", _("Minor nonconformity")
    MAJOR = "major", _("Major nonconformity")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    VERIFIED = "verified", _("Verified")
    CLOSED = "closed", _("Closed")


#: A finding still needs work (and can be overdue) in these states.
OPEN_FINDING_STATES = (FindingStatus.OPEN, FindingStatus.IN_PROGRESS)


class QualityAudit(BaseModel):
    site = models.ForeignKey("ohms_core.Site", verbose_name=_("site"), on_delete=models.PROTECT,
                             related_name="quality_audits")
    audit_date = models.DateField(_("audit date"), db_index=True)
    standard = models.CharField(_("standard"), max_length=100, help_text=_("For example ISO 45001 or ISO 14001."))
    scope = models.TextField(_("scope"), blank=True)
    lead_auditor = models.CharField(_("lead auditor"), max_length=200,
                                    help_text=_("Name and organization of the lead auditor."))
    result = models.CharField(_("result"), max_length=20, choices=AuditResult.choices, default=AuditResult.PENDING,
                              db_index=True)
    summary = models.TextField(_("summary"), blank=True)
    report = models.ForeignKey("ohms_core.Document", verbose_name=_("audit report"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("quality audit")
        verbose_name_plural = _("quality audits")
        ordering = ["-audit_date", "-created_at"]

    def __str__(self):
        return f"{self.standard} — {self.site.name if self.site_id else ''} ({date_format(self.audit_date, 'SHORT_DATE_FORMAT')})"

    def clean(self):
        super().clean()
        from django.core.exceptions import ValidationError

        if self.site_id and self.organization_id and self.site.organization_id != self.organization_id:
            raise ValidationError({"site": _("The site must belong to this organization.")})


class AuditFinding(StateMachineMixin, BaseModel):
    audit = models.ForeignKey(QualityAudit, verbose_name=_("audit"), on_delete=models.CASCADE,
                              related_name="findings")
    reference = models.CharField(_("reference"), max_length=30, blank=True,
                                 help_text=_("The auditor's numbering, for example NC-03."))
    severity = models.CharField(_("severity"), max_length=20, choices=FindingSeverity.choices,
                                default=FindingSeverity.MINOR, db_index=True)
    clause = models.CharField(_("clause"), max_length=50, blank=True, help_text=_("Clause of the standard, e.g. 8.1.2."))
    description = models.TextField(_("finding"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    corrective_action = models.TextField(_("corrective action planned"), blank=True)
    action_taken = models.TextField(_("corrective action taken"), blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("verified by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+", editable=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    overdue_notified_on = models.DateField(_("overdue notice sent on"), null=True, blank=True, editable=False)
    status = FSMField(_("status"), default=FindingStatus.OPEN, choices=FindingStatus.choices, protected=True,
                      db_index=True)

    class Meta:
        verbose_name = _("audit finding")
        verbose_name_plural = _("audit findings")
        ordering = ["due_date", "created_at"]

    def __str__(self):
        prefix = f"{self.reference} " if self.reference else ""
        return f"{prefix}{self.description[:80]}"

    @property
    def label(self):
        return str(self)

    @property
    def is_overdue(self) -> bool:
        return bool(self.due_date and self.status in OPEN_FINDING_STATES
                    and self.due_date < timezone.localdate())

    def clean(self):
        """The owner is a member of the finding's organization."""
        super().clean()
        from django.core.exceptions import ValidationError

        from ohms_core.models import Membership

        organization_id = self.organization_id or (self.audit.organization_id if self.audit_id else None)
        if self.owner_id and not Membership.objects.filter(organization_id=organization_id, user_id=self.owner_id,
                                                           is_active=True).exists():
            raise ValidationError({"owner": _("The owner must be a member of this organization.")})

    @transition(field=status, source=FindingStatus.OPEN, target=FindingStatus.IN_PROGRESS,
                conditions=[gate(owner_assigned)],
                permission=role_permission(*AUDIT_MANAGERS, allow=lambda f, user: user is not None
                                           and f.owner_id == user.pk),
                custom={"label": _("Start the corrective action"), "event": "started"})
    def start(self):
        pass

    @transition(field=status, source=FindingStatus.IN_PROGRESS, target=FindingStatus.VERIFIED,
                conditions=[gate(action_recorded)], permission=_four_eyes_permission(),
                custom={"label": _("Verify"), "event": "verified"})
    def verify(self):
        from ohms_core.context import get_context

        self.verified_by = get_context().user if getattr(get_context().user, "is_authenticated", False) else None
        self.verified_at = timezone.now()

    @transition(field=status, source=FindingStatus.IN_PROGRESS, target=FindingStatus.OPEN,
                permission=role_permission(*AUDIT_MANAGERS),
                custom={"label": _("Reopen"), "event": "reopened"})
    def reopen(self):
        pass

    @transition(field=status, source=FindingStatus.VERIFIED, target=FindingStatus.CLOSED,
                permission=role_permission(*AUDIT_MANAGERS),
                custom={"label": _("Close"), "event": "closed"})
    def close(self):
        self.closed_at = timezone.now()
