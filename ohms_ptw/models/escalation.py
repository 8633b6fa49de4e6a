"""Escalation rules (SPEC 2.8): how long a verification / approval step may wait, and who is
told when it waits longer."""
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ohms_core.models import BaseModel
from ohms_core.roles import Role

from ..states import EscalationMethod, StepType
from .config import PermitType


class EscalationRule(BaseModel):
    """Past ``time_limit_hours`` a pending step notifies the members holding
    ``escalate_to_role`` on the permit's project; past twice the limit, the organization's
    admins (SPEC "Grade A/B"). Inactive by default: an organization switches a rule on
    after testing it (and the job runs only with ``ESCALATIONS_ENABLED``)."""

    permit_type = models.ForeignKey(PermitType, verbose_name=_("permit type"), null=True, blank=True,
                                    on_delete=models.CASCADE, related_name="escalation_rules",
                                    help_text=_("Leave empty for every permit type."))
    step_type = models.CharField(_("workflow step"), max_length=20, choices=StepType.choices, blank=True,
                                 help_text=_("Leave empty for both verification and approval."))
    time_limit_hours = models.PositiveIntegerField(_("time limit (hours)"), default=4,
                                                   validators=[MinValueValidator(1), MaxValueValidator(24 * 30)])
    escalate_to_role = models.CharField(_("escalate to role"), max_length=30, choices=Role.choices,
                                        default=Role.SAFETY_MANAGER)
    method = models.CharField(_("method"), max_length=20, choices=EscalationMethod.choices, default=EscalationMethod.IN_APP)
    is_active = models.BooleanField(_("active"), default=False)

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["permit_type__name", "step_type"]

    def __str__(self):
        scope = str(self.permit_type) if self.permit_type_id else str(_("all permit types"))
        step = self.get_step_type_display() if self.step_type else str(_("all steps"))
        return f"{scope} — {step}: {self.time_limit_hours} h → {self.get_escalate_to_role_display()}"
