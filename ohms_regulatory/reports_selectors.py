"""Reads of the declarations for the compliance dashboard and the bell (SPEC 4.4).

One definition of "open", "due in 24 h", "overdue" and "awaiting the authority", used by the
dashboard cards, its lists and the clock's tests, so the dashboard and the notifications
count the same declarations.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from .models import CNSSReport, DRCReport
from .states import AWAITING_AUTHORITY_STATUSES, UNSUBMITTED_STATUSES

MODELS = (("cnss", CNSSReport), ("drc", DRCReport))
DUE_SOON = timedelta(hours=24)


def _scoped(model, organization):
    return model.objects.filter(organization=organization)


def dashboard_counts(*, organization, now=None) -> dict:
    """The four cards, one aggregate query per kind."""
    now = now or timezone.now()
    totals = {"open": 0, "due_24h": 0, "overdue": 0, "awaiting_authority": 0}
    open_q = Q(status__in=UNSUBMITTED_STATUSES)
    for _kind, model in MODELS:
        row = _scoped(model, organization).aggregate(
            open=Count("pk", filter=open_q),
            due_24h=Count("pk", filter=open_q & Q(deadline_at__gt=now, deadline_at__lte=now + DUE_SOON)),
            overdue=Count("pk", filter=open_q & Q(deadline_at__lte=now)),
            awaiting_authority=Count("pk", filter=Q(status__in=AWAITING_AUTHORITY_STATUSES)),
        )
        for key in totals:
            totals[key] += row[key] or 0
    return totals


@dataclass
class DeadlineRow:
    kind: str
    report: object
    hours_left: float
    tone: str  # "overdue" | "urgent" | "soon" | "ok"


def _tone(report, now) -> str:
    left = report.deadline_at - now
    if left <= timedelta(0):
        return "overdue"
    if left <= DUE_SOON:
        return "urgent"
    total = report.deadline_at - report.event_at if report.event_at else None
    if total and left <= total / 2:
        return "soon"
    return "ok"


def deadline_rows(*, organization, now=None, limit: int = 100) -> list[DeadlineRow]:
    """Open declarations with a deadline, least time left first (overdue on top)."""
    now = now or timezone.now()
    rows = []
    for kind, model in MODELS:
        queryset = (_scoped(model, organization).filter(status__in=UNSUBMITTED_STATUSES, deadline_at__isnull=False)
                    .select_related("enterprise").order_by("deadline_at")[:limit])
        rows += [DeadlineRow(kind, r, round((r.deadline_at - now).total_seconds() / 3600, 1), _tone(r, now))
                 for r in queryset]
    rows.sort(key=lambda row: row.report.deadline_at)
    return rows[:limit]


def authority_follow_up(*, organization, limit: int = 100) -> list[tuple[str, object]]:
    """Filed declarations waiting for the authority, and decided ones with actions to follow up."""
    rows = []
    for kind, model in MODELS:
        queryset = (_scoped(model, organization)
                    .filter(Q(status__in=AWAITING_AUTHORITY_STATUSES)
                            | (~Q(required_actions="") & Q(follow_up_deadline__isnull=False)))
                    .select_related("enterprise").order_by("submitted_at")[:limit])
        rows += [(kind, r) for r in queryset]
    rows.sort(key=lambda row: (row[1].follow_up_deadline is None, row[1].follow_up_deadline or row[1].submitted_at
                               or row[1].created_at))
    return rows[:limit]
