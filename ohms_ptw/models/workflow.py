"""Workflow instance and steps (SPEC 2.4): who must verify and approve, and when."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ohms_core.models import BaseModel

from ..states import StepStatus, StepType, WorkflowState
from .permit import Permit


class WorkflowInstance(BaseModel):
    tenancy_project_path = "permit__project"  # tenancy: ohms_core.scoping
    permit = models.OneToOneField(Permit, verbose_name=_("permit"), on_delete=models.CASCADE, related_name="workflow")
    state = models.CharField(_("state"), max_length=20, choices=WorkflowState.choices, default=WorkflowState.ACTIVE)
    current_step = models.ForeignKey("WorkflowStep", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(_("started at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("permit workflow")
        verbose_name_plural = _("permit workflows")

    def __str__(self):
        return f"{self.permit} workflow"


class WorkflowStep(BaseModel):
    tenancy_project_path = "workflow__permit__project"  # tenancy: ohms_core.scoping
    workflow = models.ForeignKey(WorkflowInstance, verbose_name=_("workflow"), on_delete=models.CASCADE, related_name="steps")
    step_type = models.CharField(_("step"), max_length=20, choices=StepType.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.PROTECT, related_name="ptw_steps")
    status = models.CharField(_("status"), max_length=20, choices=StepStatus.choices, default=StepStatus.PENDING, db_index=True)
    assigned_at = models.DateTimeField(_("assigned at"))
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=20, blank=True)
    comments = models.TextField(_("comments"), blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")
        ordering = ["order"]
        indexes = [models.Index(fields=["assignee", "status"], name="workflowstep_inbox")]

    def __str__(self):
        return f"{self.get_step_type_display()} — {self.assignee}"
