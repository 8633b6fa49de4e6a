"""The permit list's read (issue 9 "Benchmarks"): a page of permits in one query.

Why: the list showed each permit's ``isolation_summary`` from a prefetch of every isolation
point of the page (with its library point joined) and joined the permit type and project
that the list serializer never reads (it shows their ids only). That was a third query and
some 100 model instances per page for five small numbers. Here the five numbers are
correlated ``COUNT`` subqueries on the permit's row, computed by the database for the
page's rows only (``permitpoint_status`` index), and the list query joins nothing.

The counts follow ``gates.isolation_summary`` exactly (points neither deleted nor cancelled;
"verified" includes de-isolated): ``annotated_isolation_summary`` returns the same dict, and
the serializer falls back to the gate when a permit was not read through here.
"""
from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

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


def _count(condition: Q):
    points = (PermitIsolationPoint.objects.filter(permit=OuterRef("pk")).exclude(status=IsolationStatus.CANCELLED)
              .filter(condition).order_by().values("permit").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(points, output_field=IntegerField()), 0)


def with_isolation_counts(queryset):
    """``queryset`` with the five ``isolation_summary`` numbers annotated on each permit."""
    return queryset.annotate(**{name: _count(condition) for name, condition in SUMMARY_COUNTS.values()})


def list_queryset(queryset):
    """The permit list: no joins, no prefetch, the isolation counts annotated."""
    return with_isolation_counts(queryset)


def annotated_isolation_summary(permit) -> dict | None:
    """``gates.isolation_summary(permit)`` from the annotations, or None when absent."""
    if not hasattr(permit, "iso_total"):
        return None
    return {key: getattr(permit, name) for key, (name, _condition) in SUMMARY_COUNTS.items()}
