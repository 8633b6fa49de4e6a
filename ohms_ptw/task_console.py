"""The task console's reads (SPEC 2.4 "My tasks"): pending workflow steps, their groups and
filters, and for each row the quick view and the quick actions, in a fixed number of queries.

Why here and not in the view: the console is a read of its own (like ``kpis``), and its
rules are borrowed, never restated:

- "overdue" is the KPI definition (``kpis.overdue_verification_q`` / ``overdue_approval_q``:
  older than ``PTW_VERIFICATION_SLA_HOURS`` / ``PTW_APPROVAL_SLA_HOURS``), so the console and
  the dashboard's "Overdue" card count the same permits; "escalated" is the escalation
  job's mark (``WorkflowStep.escalated_at``);
- what blocks approve / activate / complete are the gates the state machine runs
  (``gates.approval_gates`` / ``completion_gates``), and whether this user may verify,
  approve or reject (and why not) is ``workflows.transition_options``: the permission and
  the gates of the transition the button runs.

Query budget, whatever the number of rows: the steps (permit, type, project, overdue flag
and clock in one query), the count for the paginator, gas readings and isolation points
(two prefetches), closeout states (two, ``selectors.closeouts_preload``) and who verified
each permit (one, for the approver's segregation check).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, F, OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ohms_core import scoping, workflows
from ohms_core.models import TransitionLog
from ohms_core.roles import Role

from . import conf, gates, kpis, selectors
from .models import GasReading, Permit, PermitIsolationPoint, WorkflowStep
from .permissions import VERIFIED_BY_CACHE
from .states import PermitStatus, StepStatus, StepType

#: Who may switch to "all pending steps in my projects" (the people who chase late permits).
SUPERVISOR_ROLES = frozenset({Role.ORG_ADMIN, Role.SAFETY_MANAGER})

#: The page's groups, in their order. A row sits in exactly one: overdue or escalated first.
GROUP_OVERDUE, GROUP_VERIFICATION, GROUP_APPROVAL = "overdue", "verification", "approval"
GROUPS = (
    (GROUP_OVERDUE, _("Overdue or escalated")),
    (GROUP_VERIFICATION, _("Pending verification")),
    (GROUP_APPROVAL, _("Pending approval")),
)
SCOPE_MINE, SCOPE_PROJECTS = "mine", "projects"

#: The transitions a step's quick actions run: (approve, reject) for each step type.
STEP_TRANSITIONS = {StepType.VERIFICATION: ("verify", "reject_verification"),
                    StepType.APPROVAL: ("approve", "reject")}
#: The stage ``workflow_decide`` expects for each step type.
STEP_STAGES = {StepType.VERIFICATION: "verify", StepType.APPROVAL: "approve"}


class TaskFilterForm(forms.Form):
    """The filter row and the quick filters: every value lives in the querystring."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("Permit number or title")}))
    group = forms.ChoiceField(label=_("Group"), required=False,
                              choices=[("", _("All groups")), *[(k, v) for k, v in GROUPS]])
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    escalated = forms.BooleanField(label=_("Escalated only"), required=False)
    scope = forms.ChoiceField(label=_("Show"), required=False,
                              choices=[(SCOPE_MINE, _("My tasks")), (SCOPE_PROJECTS, _("All pending steps in my projects"))])

    def __init__(self, *args, may_see_projects: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.may_see_projects = may_see_projects
        if not may_see_projects:
            self.fields["scope"].choices = [(SCOPE_MINE, _("My tasks"))]


def may_see_projects(user, role: str) -> bool:
    return bool(getattr(user, "is_superuser", False) or role in SUPERVISOR_ROLES)


def _permit_overdue_q(now) -> Q:
    return kpis.overdue_verification_q(now) | kpis.overdue_approval_q(now)


def pending_steps(*, user, organization, scope: str = SCOPE_MINE, now=None):
    """Pending steps of the current workflows, scoped by the core helpers (organization and
    the user's projects); ``scope=mine``: assigned to ``user``. Each row carries
    ``permit_overdue`` (the KPI definition) and ``overdue_since`` (the KPI clock)."""
    now = now or timezone.now()
    permits = Permit.objects.filter(pk=OuterRef("workflow__permit_id"))
    queryset = WorkflowStep.objects.filter(status=StepStatus.PENDING, workflow__current_step_id=F("pk"))
    queryset = queryset.filter(workflow__permit__status__in=(PermitStatus.PENDING_VERIFICATION,
                                                             PermitStatus.PENDING_APPROVAL),
                               workflow__permit__is_deleted=False)
    if scope != SCOPE_PROJECTS:
        queryset = queryset.filter(assignee=user)
    queryset = scoping.scope_queryset(queryset, organization=organization)
    return (queryset
            .annotate(permit_overdue=Exists(permits.filter(_permit_overdue_q(now))),
                      overdue_since=Subquery(permits.annotate(since=kpis.overdue_since()).values("since")[:1]))
            .select_related("assignee", "workflow__permit__project", "workflow__permit__permit_type")
            .order_by("assigned_at", "pk"))


def filter_steps(queryset, data: dict, *, now=None):
    """Apply the cleaned filter form (search, group, overdue only, escalated only)."""
    now = now or timezone.now()
    overdue_or_escalated = Q(permit_overdue=True) | Q(escalated_at__isnull=False)
    if data.get("q"):
        term = data["q"].strip()
        queryset = queryset.filter(Q(workflow__permit__permit_number__icontains=term)
                                   | Q(workflow__permit__title__icontains=term))
    group = data.get("group")
    if group == GROUP_OVERDUE:
        queryset = queryset.filter(overdue_or_escalated)
    elif group in (GROUP_VERIFICATION, GROUP_APPROVAL):
        queryset = queryset.filter(step_type=group)
    if data.get("overdue"):
        queryset = queryset.filter(permit_overdue=True)
    if data.get("escalated"):
        queryset = queryset.filter(escalated_at__isnull=False)
    return queryset


def group_of(step) -> str:
    if step.permit_overdue or step.escalated_at:
        return GROUP_OVERDUE
    return GROUP_VERIFICATION if step.step_type == StepType.VERIFICATION else GROUP_APPROVAL


def tasks_preload(steps) -> list[Permit]:
    """What the quick views and the quick actions read, for every row at once: gas readings
    and isolation points (the gates use the prefetch), closeout states, who verified."""
    permits = [step.workflow.permit for step in steps]
    if not permits:
        return permits
    prefetch_related_objects(
        permits,
        Prefetch("gas_readings", queryset=GasReading.objects.order_by("-tested_at")),
        Prefetch("isolation_points", queryset=PermitIsolationPoint.objects.select_related("point")))
    selectors.closeouts_preload(permits)
    verified_by = {}
    logs = (TransitionLog.objects.filter(content_type=ContentType.objects.get_for_model(Permit), transition="verify",
                                         object_id__in=[str(p.pk) for p in permits])
            .order_by("timestamp").values_list("object_id", "user_id"))
    for object_id, user_id in logs:
        verified_by[object_id] = user_id  # the last one wins, as in permissions._verified_by_id
    for permit in permits:
        permit.__dict__[VERIFIED_BY_CACHE] = verified_by.get(str(permit.pk))
    return permits


@dataclass
class Action:
    name: str
    decision: str
    label: str
    allowed: bool
    reasons: list = field(default_factory=list)
    comment_required: bool = False

    @property
    def reason_text(self) -> str:
        return " ".join(str(r["message"]) for r in self.reasons[:2])


def row_actions(step, user) -> list[Action]:
    """The step's two quick actions, each allowed or not with the state machine's reasons."""
    permit = step.workflow.permit
    options = {o["name"]: o for o in workflows.transition_options(permit, user)}
    approve_name, reject_name = STEP_TRANSITIONS[step.step_type]
    labels = {approve_name: _("Verify") if step.step_type == StepType.VERIFICATION else _("Approve"),
              reject_name: _("Reject")}
    actions = []
    for name, decision in ((approve_name, "approve"), (reject_name, "reject")):
        option = options.get(name)
        if option is None:
            reasons = [{"code": f"invalid_transition_from_{permit.status}",
                        "message": _("Not possible while the permit is “%(status)s”.") % {
                            "status": permit.get_status_display()}}]
            actions.append(Action(name, decision, labels[name], False, reasons))
            continue
        actions.append(Action(name, decision, labels[name], option["allowed"], option["reasons"],
                              option["comment_required"]))
    return actions


def quick_view(permit) -> dict:
    """What blocks approve, activate and complete (the state machine's gates), and the
    facts a verifier or approver checks first."""
    approve = [r.as_dict() for r in gates.approval_gates(permit)]
    complete = [r.as_dict() for r in gates.completion_gates(permit)]
    summary = gates.isolation_summary(permit)
    closeout = selectors.closeout_state(permit)
    return {
        "blocks": [
            {"key": "approve", "label": _("Approve"), "items": approve},
            # Activation runs the approval gates again, then the crew checks (fitness, training),
            # which read each worker: shown on the permit screen, not in the quick view.
            {"key": "activate", "label": _("Activate"), "items": approve, "crew_note": True},
            {"key": "complete", "label": _("Complete"), "items": complete},
        ],
        "location": permit.location,
        "planned_end_time": permit.planned_end_time,
        "risk_level": permit.get_risk_level_display(),
        "isolation_pending": summary["pending_required"],
        "isolation_required": summary["required"],
        "isolation_structured": permit.permit_type.requires_structured_isolation,
        "closeout_required": closeout["template_exists"],
        "closeout_pending": closeout["template_exists"] and not closeout["is_complete"],
        "closeout_missing": closeout["missing_items"],
    }


def sla_hours(step) -> int:
    return conf.verification_sla_hours() if step.step_type == StepType.VERIFICATION else conf.approval_sla_hours()


def row(step, user, now) -> dict:
    """One line of the console: the step, its permit, its badges and its quick view."""
    permit = step.workflow.permit
    since = step.overdue_since
    return {
        "step": step,
        "permit": permit,
        "group": group_of(step),
        "age_hours": int((now - step.assigned_at).total_seconds() // 3600),
        "due_at": since + timedelta(hours=sla_hours(step)) if since else step.due_at,
        "overdue": bool(step.permit_overdue),
        "escalated": step.escalated_at is not None,
        "mine": step.assignee_id == getattr(user, "pk", None),
        "actions": row_actions(step, user),
        "quick": quick_view(permit),
    }
