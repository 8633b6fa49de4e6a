"""Escalation engine (SPEC 2.8): verification / approval steps that wait too long.

A pending step past its limit (the matching active EscalationRule's ``time_limit_hours``,
else the step's SLA ``due_at``, else ``PTW_ESCALATION_FALLBACK_HOURS``) is escalated to the
members holding the rule's ``escalate_to_role`` on the permit's project (level 1); past twice
the limit, to the organization's admins (level 2, SPEC "Grade A/B admins"). Each escalation
sets ``escalated_at`` on the step and the permit and emits ``ptw.permit.escalated`` naming its
recipients; ``notify_escalation`` (an event subscriber) delivers it whatever the notification
rules say, as safety alerts are.

Idempotent with a cooldown: a step escalated less than ``PTW_ESCALATION_COOLDOWN_HOURS`` ago
is skipped, unless it has since crossed into level 2 (then it is escalated once more). A
second run therefore creates nothing. Rules are looked up in the permit's own organization
only: one organization's rules never fire for another's permits.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core import events
from ohms_core.models import Membership
from ohms_core.roles import ADMIN_ROLES, Role
from ohms_core.services.records import record_update

from .. import conf
from ..models import EscalationRule, WorkflowStep
from ..states import EscalationMethod, PermitStatus, StepStatus

ESCALATED_EVENT = "ptw.permit.escalated"
PENDING_STATUSES = (PermitStatus.PENDING_VERIFICATION, PermitStatus.PENDING_APPROVAL)


@dataclass
class EscalationResult:
    scanned: int = 0
    escalated: int = 0
    skipped_cooldown: int = 0


def rule_for(rules: list[EscalationRule], *, permit_type_id, step_type: str) -> EscalationRule | None:
    """The most specific active rule: type and step, then type, then step, then the catch-all."""
    def score(rule):
        if rule.permit_type_id not in (None, permit_type_id) or rule.step_type not in ("", step_type):
            return -1
        return (2 if rule.permit_type_id else 0) + (1 if rule.step_type else 0)

    best = max(rules, key=score, default=None)
    return best if best is not None and score(best) >= 0 else None


def step_limit(step: WorkflowStep, rule: EscalationRule | None) -> timedelta:
    """How long ``step`` may stay pending (SPEC 2.8 fallback: 4 hours)."""
    if rule is not None:
        return timedelta(hours=rule.time_limit_hours)
    if step.due_at and step.assigned_at and step.due_at > step.assigned_at:
        return step.due_at - step.assigned_at
    return timedelta(hours=conf.ptw_setting("PTW_ESCALATION_FALLBACK_HOURS"))


def escalation_level(*, step: WorkflowStep, limit: timedelta, now) -> int:
    """0 (on time), 1 (past the limit) or 2 (past twice the limit)."""
    waited = now - step.assigned_at
    return 2 if waited >= 2 * limit else 1 if waited >= limit else 0


def _in_cooldown(step: WorkflowStep, *, level: int, limit: timedelta, now) -> bool:
    if step.escalated_at is None:
        return False
    crossed_level_two = level == 2 and step.escalated_at < step.assigned_at + 2 * limit
    recent = now - step.escalated_at < timedelta(hours=conf.ptw_setting("PTW_ESCALATION_COOLDOWN_HOURS"))
    return recent and not crossed_level_two


class _Recipients:
    """Members of one organization holding some roles on a project (cached per run)."""

    def __init__(self):
        self._cache: dict[tuple, list[int]] = {}

    def __call__(self, *, organization_id, roles, project_id) -> list[int]:
        key = (organization_id, tuple(sorted(roles)), project_id)
        if key not in self._cache:
            members = Membership.objects.filter(organization_id=organization_id, role__in=roles, is_active=True,
                                                user__is_active=True)
            if project_id is not None:  # no project listed on a membership = every project
                members = members.filter(Q(projects__isnull=True) | Q(projects=project_id))
            self._cache[key] = sorted(set(members.values_list("user_id", flat=True)))
        return self._cache[key]


def escalations_check(*, now=None, progress: Callable[[str], None] | None = None) -> EscalationResult:
    """Scan pending steps of pending permits (every organization) and escalate the late ones.
    Does nothing unless ``ESCALATIONS_ENABLED``."""
    result = EscalationResult()
    if not conf.escalations_enabled():
        if progress:
            progress(_("Escalations are disabled (ESCALATIONS_ENABLED is False); nothing done."))
        return result
    now = now or timezone.now()
    rules: dict = {}
    for rule in EscalationRule.objects.filter(is_active=True):
        rules.setdefault(rule.organization_id, []).append(rule)
    steps = (WorkflowStep.objects.filter(status=StepStatus.PENDING, workflow__permit__status__in=PENDING_STATUSES,
                                         workflow__permit__is_deleted=False, assigned_at__lte=now - timedelta(hours=1))
             .select_related("workflow__permit").order_by("assigned_at"))
    recipients = _Recipients()
    for step in steps.iterator(chunk_size=500):
        result.scanned += 1
        permit = step.workflow.permit
        rule = rule_for(rules.get(permit.organization_id, []), permit_type_id=permit.permit_type_id,
                        step_type=step.step_type)
        limit = step_limit(step, rule)
        level = escalation_level(step=step, limit=limit, now=now)
        if level == 0:
            continue
        if _in_cooldown(step, level=level, limit=limit, now=now):
            result.skipped_cooldown += 1
            continue
        roles = ADMIN_ROLES if level == 2 else {rule.escalate_to_role if rule else Role.SAFETY_MANAGER}
        users = recipients(organization_id=permit.organization_id, roles=roles, project_id=permit.project_id)
        _escalate(step=step, permit=permit, level=level, users=users, now=now,
                  method=rule.method if rule else EscalationMethod.IN_APP, hours=(now - step.assigned_at) / timedelta(hours=1))
        result.escalated += 1
        if progress:
            progress(_("%(permit)s: %(step)s escalated (level %(level)s) to %(count)s person(s)") % {
                "permit": permit.permit_number, "step": step.get_step_type_display(), "level": level, "count": len(users)})
    if progress:
        progress(_("%(scanned)s pending step(s) scanned, %(escalated)s escalated, %(cooldown)s in cooldown.") % {
            "scanned": result.scanned, "escalated": result.escalated, "cooldown": result.skipped_cooldown})
    return result


def _escalate(*, step, permit, level, users, now, method, hours) -> None:
    """Mark the step and the permit, and emit the event, in one transaction."""
    with transaction.atomic():
        record_update(instance=step, user=None, data={"escalated_at": now})
        record_update(instance=permit, user=None, data={"escalated_at": now})
        events.emit(ESCALATED_EVENT, permit, actor=None, organization=permit.organization, data={
            "permit_number": permit.permit_number, "step_id": str(step.pk), "step_type": step.step_type,
            "level": level, "hours_waiting": round(hours, 1), "method": method, "recipients": users})


def notify_escalation(event) -> int:
    """Event subscriber: the escalation's recipients are told in-app (and by e-mail, when the rule
    says so and their preference allows), whatever the notification rules say."""
    from django.contrib.auth import get_user_model

    from ohms_core.services.notifications import link_for, notification_create, notification_email

    data = event.data
    users = get_user_model().objects.filter(pk__in=data.get("recipients", []), is_active=True)
    title = _("Escalation (level %(level)s): %(permit)s waits for %(step)s") % {
        "level": data.get("level"), "permit": data.get("permit_number", ""), "step": data.get("step_type", "")}
    message = _("Pending for %(hours)s hours, past its time limit.") % {"hours": data.get("hours_waiting")}
    created = 0
    for user in users:
        notification = notification_create(user=user, event=event, title=title[:255], message=message, per_event=True,
                                           link=link_for(event.target, user, event))
        if notification is None:
            continue
        created += 1
        if data.get("method") == EscalationMethod.IN_APP_EMAIL:
            notification_email(notification=notification, user=user)
    return created
