"""The permit list's read (issue 9 "Benchmarks"): a page of permits, then its isolation counts.

Why: the list showed each permit's ``isolation_summary`` from a prefetch of every isolation
point of the page (with its library point joined) and joined the permit type and project
that the list serializer never reads (it shows their ids only). That was some 100 model
instances per page for five small numbers. Then the five numbers were correlated ``COUNT``
subqueries on each row: one query, but building and compiling five subqueries cost more
Python time per request (~4 ms) than the database spent on them. Now the page is read plain
(no joins) and the five numbers of its (at most 50) permits come from one grouped query with
conditional counts (``permitpoint_status`` index): two cheap queries, still the same number
whatever the page size.

The counts follow ``gates.isolation_summary`` exactly (points neither deleted nor cancelled;
"verified" includes de-isolated): ``annotated_isolation_summary`` returns the same dict, and
the serializer falls back to the gate when a permit was not read through here.
"""
from __future__ import annotations

from django.db.models import Count, Q

from .models import PermitIsolationPoint
from .states import IsolationStatus

_VERIFIED = (IsolationStatus.VERIFIED, IsolationStatus.DEISOLATED)
_PENDING = (IsolationStatus.ASSIGNED, IsolationStatus.ISOLATED)
#: summary key -> (annotation name, condition on the counted points).
SUMMARY_COUNTS = {
    "total": ("iso_total", Q()),
    "required": ("iso_required", Q(required=True)),
    "verified_required": ("iso_verified_required", Q(required=True, status__in=_VERIFIED)),
    "pending_required": ("iso_pending_required", Q(required=True, status__in=_PENDING)),
    "deisolated_required": ("iso_deisolated_required", Q(required=True, status=IsolationStatus.DEISOLATED)),
}


ATTRIBUTE = "_ohms_isolation_summary"

#: What a listing of permits never shows: long texts and JSON (decoding a permit type's five JSON
#: columns on every row was a tenth of the KPI dashboard's CPU). Deferred by the listings that
#: name what they show (the admin permit list, the KPI lists); opening a permit reads them all.
LISTING_DEFERRED = ("description", "risk_assessment", "control_measures", "isolation_details", "ppe_requirements",
                    "safety_checklist", "suspension_reason")
TYPE_DEFERRED = tuple(f"permit_type__{name}" for name in (
    "description", "mandatory_ppe", "safety_checklist_items", "required_gases", "gas_limits",
    "required_training_modules"))


def without_long_fields(queryset, *, with_type: bool = False):
    """``queryset`` without the columns a listing never shows (``LISTING_DEFERRED``, and the
    permit type's with ``with_type``: the queryset must then select the type)."""
    return queryset.defer(*LISTING_DEFERRED, *(TYPE_DEFERRED if with_type else ()))


def list_queryset(queryset):
    """The permit list: no joins, no prefetch (the counts come with ``attach_isolation_summaries``)."""
    return queryset


def attach_isolation_summaries(permits) -> None:
    """Set the ``isolation_summary`` numbers on each permit of a page, in one query."""
    permits = list(permits)
    if not permits:
        return
    counts = {name: Count("pk", filter=condition) if condition else Count("pk")
              for name, condition in SUMMARY_COUNTS.values()}
    rows = (PermitIsolationPoint.objects.filter(permit_id__in=[p.pk for p in permits])
            .exclude(status=IsolationStatus.CANCELLED).order_by().values("permit_id").annotate(**counts))
    by_permit = {row["permit_id"]: row for row in rows}
    for permit in permits:
        row = by_permit.get(permit.pk, {})
        setattr(permit, ATTRIBUTE, {key: row.get(name, 0) for key, (name, _condition) in SUMMARY_COUNTS.items()})


def annotated_isolation_summary(permit) -> dict | None:
    """``gates.isolation_summary(permit)`` as the list read it, or None when not read through here."""
    return getattr(permit, ATTRIBUTE, None)
