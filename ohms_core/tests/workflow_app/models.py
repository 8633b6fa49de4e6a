from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from ohms_core.models import BaseModel
from ohms_core.roles import Role
from ohms_core.workflows import Reason, StateMachineMixin, gate, role_permission


def checklist_complete(inspection):
    if not inspection.checklist_done:
        yield Reason("checklist_incomplete", _("Complete the checklist first."))


def findings_recorded(inspection):
    if not inspection.findings.strip():
        yield Reason("findings_missing", _("Record the findings before approval."))


#: Everyone but the read-only auditor may submit and reopen.
WRITERS = tuple(sorted(set(Role.values) - {Role.AUDITOR}))


class Inspection(StateMachineMixin, BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    title = models.CharField(max_length=200)
    checklist_done = models.BooleanField(default=False)
    findings = models.TextField(blank=True)
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    assigned_approver = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = FSMField(default=Status.DRAFT, choices=Status.choices, protected=True)

    def __str__(self):
        return self.title

    @transition(field=status, source=Status.DRAFT, target=Status.SUBMITTED, conditions=[gate(checklist_complete)],
                permission=role_permission(*WRITERS), custom={"label": _("Submit"), "event": "submitted"})
    def submit(self):
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.APPROVED, conditions=[gate(findings_recorded)],
                permission=role_permission(Role.APPROVER, Role.ORG_ADMIN, message=_("Only an approver can approve.")),
                custom={"label": _("Approve"), "event": "approved"})
    def approve(self):
        from django.utils import timezone

        self.approved_at = timezone.now()

    @transition(field=status, source=Status.SUBMITTED, target=Status.REJECTED,
                permission=role_permission(Role.APPROVER, Role.ORG_ADMIN),
                custom={"label": _("Reject"), "event": "rejected", "comment_required": True})
    def reject(self):
        pass

    @transition(field=status, source=[Status.REJECTED, Status.APPROVED], target=Status.DRAFT,
                permission=role_permission(*WRITERS), custom={"label": _("Reopen"), "event": "reopened"})
    def reopen(self):
        self.approved_at = None
