"""The statutory clocks of the declarations (issue 12 "Statutory clocks").

Every open declaration with a deadline (not yet submitted) is escalated to the compliance
officers and org admins of its organization when 50 % and 90 % of its statutory delay have
gone and when the deadline passes: once each. The ``ReportClockNotice`` ledger (unique per
report and level) makes it idempotent: a second run, a retried job or two consumers find
the row and send nothing. When a run finds a declaration past several levels at once (the
job was down, the report was drafted late), only the highest is sent and the lower ones are
marked as passed: three notifications at the same minute would only be noise.

The escalation is an event (``regulatory.declaration.clock``, naming its recipients) whose
subscriber writes the notifications, like the permit escalations: webhooks and rules see
it too, and the bell counts what the dashboard counts (both read ``reports_selectors``).
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core import events
from ohms_core.models import Membership

from ..models import DECLARANTS, CNSSReport, DRCReport, ReportClockNotice
from ..states import UNSUBMITTED_STATUSES, ClockLevel

CLOCK_EVENT = "regulatory.declaration.clock"
KINDS = {"cnss": CNSSReport, "drc": DRCReport}
#: (level, share of the delay gone), lowest first.
THRESHOLDS = ((ClockLevel.HALF, 0.5), (ClockLevel.NINETY, 0.9), (ClockLevel.EXPIRED, 1.0))


@dataclass
class ClockResult:
    scanned: int = 0
    notified: int = 0


def elapsed_share(report, now) -> float | None:
    """Share of the statutory delay gone at ``now`` (1.0 = deadline reached)."""
    if not report.deadline_at or not report.event_at:
        return None
    total = (report.deadline_at - report.event_at).total_seconds()
    if total <= 0:
        return 1.0
    return (now - report.event_at).total_seconds() / total


def reached_levels(report, now) -> list[str]:
    share = elapsed_share(report, now)
    if share is None:
        return []
    return [level for level, threshold in THRESHOLDS if share >= threshold]


def _recipients(organization_id) -> list:
    return list(Membership.objects.filter(organization_id=organization_id, role__in=DECLARANTS, is_active=True,
                                          user__is_active=True).values_list("user_id", flat=True).distinct())


def clocks_check(*, now=None, progress=None) -> ClockResult:
    """Scan the open declarations of every organization and escalate the clocks due."""
    now = now or timezone.now()
    result = ClockResult()
    recipients_cache: dict = {}
    for kind, model in KINDS.items():
        reports = list(model.objects.filter(status__in=UNSUBMITTED_STATUSES, deadline_at__isnull=False,
                                            event_at__isnull=False).select_related("organization"))
        sent = set(ReportClockNotice.objects.filter(report_kind=kind, report_id__in=[r.pk for r in reports])
                   .values_list("report_id", "level"))
        for report in reports:
            result.scanned += 1
            levels = [level for level in reached_levels(report, now) if (report.pk, level) not in sent]
            if not levels:
                continue
            if report.organization_id not in recipients_cache:
                recipients_cache[report.organization_id] = _recipients(report.organization_id)
            if _escalate(kind, report, levels, recipients_cache[report.organization_id], now):
                result.notified += 1
                if progress is not None:
                    progress(_("%(reference)s: %(level)s") % {"reference": report.reference_number,
                                                              "level": ClockLevel(levels[-1]).label})
    return result


def _escalate(kind, report, levels, recipients, now) -> bool:
    """Mark every level reached (ledger) and emit one event for the highest; False when a
    concurrent run got there first."""
    highest = levels[-1]
    try:
        with transaction.atomic():
            for level in levels:
                ReportClockNotice.objects.create(organization_id=report.organization_id, report_kind=kind,
                                                 report_id=report.pk, level=level, sent_at=now,
                                                 recipients=len(recipients) if level == highest else 0)
            events.emit(CLOCK_EVENT, report, actor=None, organization=report.organization, data={
                "reference_number": report.reference_number, "kind": kind, "report_type": report.report_type,
                "level": str(highest), "level_label": str(ClockLevel(highest).label),
                "deadline_at": report.deadline_at.isoformat(), "recipients": recipients})
    except IntegrityError:
        return False
    return True


def notify_clock(event) -> int:
    """Event subscriber: the escalation's recipients are told in-app, whatever the rules say."""
    from django.contrib.auth import get_user_model

    from ohms_core.services.notifications import link_for, notification_create

    data = event.data or {}
    level = data.get("level")
    deadline = data.get("deadline_at", "")
    try:
        from datetime import datetime

        deadline = timezone.localtime(datetime.fromisoformat(deadline)).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        pass
    if level == ClockLevel.EXPIRED:
        title = _("OVERDUE: declaration %(reference)s was due %(deadline)s") % {
            "reference": data.get("reference_number", ""), "deadline": deadline}
    else:
        title = _("Declaration %(reference)s: %(share)s %% of the statutory delay gone") % {
            "reference": data.get("reference_number", ""), "share": level}
    message = _("Due %(deadline)s. File it with the authority, then mark it submitted.") % {"deadline": deadline}
    target = event.target
    created = 0
    for user in get_user_model().objects.filter(pk__in=data.get("recipients", []), is_active=True):
        if notification_create(user=user, event=event, title=title[:255], message=message, per_event=True,
                               link=link_for(target, user, event), data={"level": level}):
            created += 1
    return created
