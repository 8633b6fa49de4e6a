"""Permit KPIs (SPEC 2.9): the definitions of "overdue", "expiring soon", "isolation pending"
and "closeout pending" as query conditions, and the KPI read itself.

Why conditions (``Q`` objects) and not Python checks: the same definition then counts in the
KPI aggregate, filters the permit list behind a dashboard card (``PermitFilter``'s ``kpi``
parameter) and orders the top-overdue table, all inside the database. One place per rule:
a card's number and the list its link opens can never disagree.

The whole read is three queries whatever the number of permits: one aggregate with a
conditional count per figure, then the two ten-row lists.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import Case, Count, DateTimeField, Q, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import conf
from .models import CloseoutChecklistTemplate, PermitCloseout, PermitIsolationPoint
from .permit_list import without_long_fields
from .states import FINAL_STATUSES, LIVE_STATUSES, IsolationStatus, PermitStatus

#: ``total_open``: every status that is not final (SPEC 2.9 leaves it open; decided here).
OPEN_STATUSES = tuple(s.value for s in PermitStatus if s not in FINAL_STATUSES)
#: The statuses counted one by one in ``counts`` (SPEC 2.9 shape, in its order).
COUNTED_STATUSES = ("draft", "submitted", "pending_verification", "pending_approval", "under_review", "approved",
                    "active", "suspended")
#: Isolation pending is counted only while the permit is on its way to, or at, work.
ISOLATION_STATUSES = (PermitStatus.PENDING_APPROVAL, PermitStatus.APPROVED, PermitStatus.ACTIVE)
#: A permit in these statuses has been activated and its work not finished.
WORKING_STATUSES = (PermitStatus.ACTIVE, PermitStatus.SUSPENDED)
#: The overdue categories added up on the dashboard's "Overdue" card (expiring soon has its own card).
OVERDUE_CATEGORIES = ("pending_verification", "pending_approval", "closeout_pending", "isolation_pending")
LIST_LENGTH = 10


def _cutoff(now, hours) -> datetime:
    return now - timedelta(hours=hours)


def overdue_verification_q(now) -> Q:
    """Pending verification for longer than ``PTW_VERIFICATION_SLA_HOURS``, counted from
    ``submitted_at`` (``created_at`` when the permit was never submitted through the workflow)."""
    cut = _cutoff(now, conf.verification_sla_hours())
    return Q(status=PermitStatus.PENDING_VERIFICATION) & (
        Q(submitted_at__lt=cut) | Q(submitted_at__isnull=True, created_at__lt=cut))


def overdue_approval_q(now) -> Q:
    """Pending approval for longer than ``PTW_APPROVAL_SLA_HOURS``, counted from ``verified_at``
    (else ``updated_at``)."""
    cut = _cutoff(now, conf.approval_sla_hours())
    return Q(status=PermitStatus.PENDING_APPROVAL) & (
        Q(verified_at__lt=cut) | Q(verified_at__isnull=True, updated_at__lt=cut))


def expiring_soon_q(now) -> Q:
    """Approved, active or suspended, ending within ``PTW_EXPIRING_SOON_HOURS`` (not yet ended:
    a permit past its end is the auto-expiry job's, not "expiring")."""
    return Q(status__in=LIVE_STATUSES, planned_end_time__gte=now,
             planned_end_time__lte=now + timedelta(hours=conf.expiring_soon_hours()))


def unverified_isolation_q(statuses) -> Q:
    """In one of ``statuses``, the type requires structured isolation, the permit has required
    points and not all of them are verified (a de-isolated point was verified: same count as
    ``gates.isolation_summary``). Uncorrelated ``IN`` subqueries: they work inside the
    aggregate's conditional counts."""
    unverified = (PermitIsolationPoint.objects.filter(required=True, is_deleted=False)
                  .exclude(status__in=(IsolationStatus.VERIFIED, IsolationStatus.DEISOLATED, IsolationStatus.CANCELLED))
                  .values("permit_id"))
    return Q(status__in=statuses, permit_type__requires_structured_isolation=True, pk__in=unverified)


def isolation_pending_q(now=None) -> Q:
    """Required isolation points not all verified, on a permit going to or at work
    (``ISOLATION_STATUSES``)."""
    return unverified_isolation_q(ISOLATION_STATUSES)


def activated_without_verified_isolation_q(now=None) -> Q:
    """At work (active or suspended) with a required isolation point not verified: what the
    activation gate forbids, so always empty unless a path skipped the gate (SPEC 4.5 lists
    it for the auditor)."""
    return unverified_isolation_q(WORKING_STATUSES)


def closeout_pending_q(now=None) -> Q:
    """Active, an active closeout template exists for the type, and the closeout is not
    complete, never opened included (SPEC 2.9's open point, decided: it is pending too)."""
    templated = CloseoutChecklistTemplate.objects.filter(is_active=True, is_deleted=False).values("permit_type_id")
    done = PermitCloseout.objects.filter(completed=True, is_deleted=False).values("permit_id")
    return Q(status=PermitStatus.ACTIVE, permit_type_id__in=templated) & ~Q(pk__in=done)


def overdue_q(now) -> Q:
    """Any overdue category (the permits behind the dashboard's "Overdue" card)."""
    return overdue_verification_q(now) | overdue_approval_q(now) | closeout_pending_q(now) | isolation_pending_q(now)


#: ``?kpi=<name>`` of the canonical filter -> the condition (see ``filters.PermitFilter``).
KPI_CONDITIONS = {
    "open": lambda now: Q(status__in=OPEN_STATUSES),
    "overdue": overdue_q,
    "overdue_verification": overdue_verification_q,
    "overdue_approval": overdue_approval_q,
    "expiring_soon": expiring_soon_q,
    "isolation_pending": isolation_pending_q,
    "closeout_pending": closeout_pending_q,
}


def _start_of_today(now) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 2)


def overdue_since():
    """When the overdue clock started: submission for verification, verification for approval."""
    return Case(When(status=PermitStatus.PENDING_VERIFICATION, then=Coalesce("submitted_at", "created_at")),
                default=Coalesce("verified_at", "updated_at"), output_field=DateTimeField())


def top_overdue(queryset, now, limit: int = LIST_LENGTH):
    """The oldest overdue verifications and approvals (their age is defined; closeout and
    isolation pending have no clock), oldest first. Model instances, the people selected."""
    return list(without_long_fields(
        queryset.filter(overdue_verification_q(now) | overdue_approval_q(now)).annotate(overdue_since=overdue_since())
        .select_related("permit_type", "project", "created_by", "verifier", "approver"), with_type=True)
        .order_by("overdue_since", "pk")[:limit])


def expiring_soon(queryset, now, limit: int = LIST_LENGTH):
    return list(without_long_fields(queryset.filter(expiring_soon_q(now)).select_related("project", "permit_type"),
                                    with_type=True).order_by("planned_end_time", "pk")[:limit])


def permit_counts(queryset, now) -> dict:
    """Every figure of ``counts`` and ``overdue`` in one aggregate query."""
    today = _start_of_today(now)
    figures = {f"counts__{status}": Count("pk", filter=Q(status=status)) for status in COUNTED_STATUSES}
    figures.update({
        "counts__total_open": Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        "counts__completed_today": Count("pk", filter=Q(status=PermitStatus.COMPLETED, completed_at__gte=today)),
        # A cancelled permit never changes again (FINAL_STATUSES): its last update is the cancellation.
        "counts__cancelled_today": Count("pk", filter=Q(status=PermitStatus.CANCELLED, updated_at__gte=today)),
        "counts__expired": Count("pk", filter=Q(status=PermitStatus.EXPIRED)),
        "counts__rejected": Count("pk", filter=Q(status=PermitStatus.REJECTED)),
        "overdue__pending_verification": Count("pk", filter=overdue_verification_q(now)),
        "overdue__pending_approval": Count("pk", filter=overdue_approval_q(now)),
        "overdue__closeout_pending": Count("pk", filter=closeout_pending_q(now)),
        "overdue__isolation_pending": Count("pk", filter=isolation_pending_q(now)),
        "overdue__expiring_soon": Count("pk", filter=expiring_soon_q(now)),
    })
    row = queryset.order_by().aggregate(**figures)
    counts = {key: row[f"counts__{key}"] for key in ("total_open", *COUNTED_STATUSES, "completed_today",
                                                     "cancelled_today", "expired", "rejected")}
    overdue = {key: row[f"overdue__{key}"] for key in (*OVERDUE_CATEGORIES[:2], "closeout_pending",
                                                       "isolation_pending", "expiring_soon")}
    return {"counts": counts, "overdue": overdue}


def permit_kpis(queryset, *, now=None) -> dict:
    """SPEC 2.9 ``GET permits/kpis/`` over ``queryset`` (already scoped and filtered by the
    caller, exactly as the permit list is): three queries. The lists hold model instances
    (``top_overdue`` annotated with ``overdue_since``); ``kpis_payload`` makes the JSON."""
    now = now or timezone.now()
    result = permit_counts(queryset, now)
    result["as_of"] = now
    result["top_overdue"] = top_overdue(queryset, now)
    result["expiring_soon"] = expiring_soon(queryset, now)
    return result


def overdue_total(overdue: dict) -> int:
    """The dashboard's "Overdue" card: the sum of the overdue categories (SPEC 2.9)."""
    return sum(overdue[key] for key in OVERDUE_CATEGORIES)


def kpis_payload(kpis: dict) -> dict:
    """The stable SPEC 2.9 response shape."""
    now = kpis["as_of"]
    return {
        "as_of": now.isoformat().replace("+00:00", "Z"),
        "counts": kpis["counts"],
        "overdue": kpis["overdue"],
        "lists": {
            "top_overdue": [{
                "id": str(p.pk), "permit_number": p.permit_number, "title": p.title, "status": p.status,
                "age_hours": _hours(now - p.overdue_since), "project": str(p.project_id),
                "permit_type": {"id": str(p.permit_type_id), "name": p.permit_type.name, "code": p.permit_type.code,
                                "category": p.permit_type.category},
                "planned_end_time": p.planned_end_time.isoformat(),
            } for p in kpis["top_overdue"]],
            "expiring_soon": [{
                "id": str(p.pk), "permit_number": p.permit_number, "status": p.status,
                "hours_left": _hours(p.planned_end_time - now), "planned_end_time": p.planned_end_time.isoformat(),
            } for p in kpis["expiring_soon"]],
        },
    }


__all__ = ["KPI_CONDITIONS", "OPEN_STATUSES", "activated_without_verified_isolation_q", "closeout_pending_q",
           "expiring_soon_q", "isolation_pending_q", "kpis_payload", "overdue_approval_q", "overdue_q", "overdue_total",
           "overdue_verification_q", "permit_kpis", "unverified_isolation_q"]
