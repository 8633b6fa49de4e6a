"""PTW compliance reports (SPEC 4.5): the summary and the exception lists, read-only.

Why here and not in a regulatory add-on: ``ohms_regulatory`` does not exist yet; these are
selectors over permits only, so they move as they are when it lands.

One definition per rule: "overdue", "expiring soon", "isolation pending", "closeout
pending" are the KPI conditions of ``ohms_ptw.kpis`` (SPEC 2.9), so a report figure, the
dashboard card and the permit list behind it can never disagree. The permits a report
covers are the permit list's for the same querystring (scoped, canonical ``PermitFilter``)
with one difference: without ``date_from`` / ``date_to`` the range is the last
``REPORT_DAYS`` days of ``created_at`` (SPEC 4.5 "Default range: last 30 days"), and the
range used is always stated.

Incident rate (SPEC 4.5 "reuses the PR6 analytics logic": no such logic exists, so it is
defined here, once): among the permits of the report that are **completed**, the share
that at least one incident (``ohms_health``, not deleted) was recorded under; 0.0 when
none is completed; rounded to four decimals. Completed permits only, so the rate stays in
[0, 1] and an incident on a permit still at work counts once that permit is closed. The
incident model is looked up in the app registry (as ``ohms_health`` looks up permits):
without the health add-on the rate is 0.0 and nothing is imported.

Queries: the summary is two (one aggregate of conditional counts, the top permit types),
the exceptions one per list (``LIMIT`` each), whatever the number of permits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db.models import Case, Count, DateTimeField, Q, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import kpis
from .filters import DateOrDateTimeField, PermitFilterError, filter_permits
from .states import PermitStatus

#: Default report range: the last 30 days of permit creation (SPEC 4.5).
REPORT_DAYS = 30
#: Most permits per exception list (SPEC 4.5: 50); the site may set ``PTW_REPORT_EXCEPTION_LIMIT``.
EXCEPTION_LIMIT = 50
#: How many permit types ``top_permit_types`` lists (most permits first).
TOP_PERMIT_TYPES = 5
#: The exception lists, in the response's order, with their label.
EXCEPTION_LISTS = (
    ("overdue_verification", _("Overdue verification")),
    ("overdue_approval", _("Overdue approval")),
    ("isolation_pending", _("Isolation pending")),
    ("closeout_pending", _("Closeout pending")),
    ("expiring_soon", _("Expiring soon")),
    ("activated_without_verified_isolation", _("Activated without verified isolation")),
)
#: Lists whose rows carry ``hours_left`` instead of ``age_hours``.
HOURS_LEFT_LISTS = frozenset({"expiring_soon"})


def exception_limit() -> int:
    return int(getattr(settings, "PTW_REPORT_EXCEPTION_LIMIT", EXCEPTION_LIMIT))


# --- which permits --------------------------------------------------------------------
@dataclass(frozen=True)
class ReportRange:
    """The ``created_at`` range a report covers, as given (or defaulted) in the querystring."""

    date_from: str
    date_to: str

    def as_dict(self) -> dict:
        return {"date_from": self.date_from, "date_to": self.date_to}

    @property
    def date_from_display(self) -> str:
        return display_bound(self.date_from)

    @property
    def date_to_display(self) -> str:
        return display_bound(self.date_to)


def display_bound(value: str) -> str:
    """A range bound for people: the active language's date (or date and time) format, not
    the ISO text of the querystring; an unparseable value as given (issue 9)."""
    from django.utils.dateparse import parse_date, parse_datetime
    from django.utils.formats import date_format

    try:
        parsed = parse_date(value)
        if parsed is not None:
            return date_format(parsed, "DATE_FORMAT")
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        return value
    if timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    return date_format(parsed, "DATETIME_FORMAT")


def _as_dict(params) -> dict:
    """A QueryDict or dict as ``{key: value or [values]}`` (repeated values kept)."""
    if params is None:
        return {}
    if hasattr(params, "getlist"):
        return {key: (values if len(values) > 1 else values[0]) for key, values in params.lists()}
    return dict(params)


def report_params(params, *, now=None) -> tuple[dict, ReportRange]:
    """The filter parameters of a report: the caller's, with ``date_from`` / ``date_to``
    defaulted to the last ``REPORT_DAYS`` days (to today) when absent."""
    today = timezone.localdate(now or timezone.now())
    data = {key: value for key, value in _as_dict(params).items() if value not in (None, "", [])}
    for key in ("date_from", "date_to"):  # one bound each (a repeated one: the last, as the filter reads it)
        if isinstance(data.get(key), (list, tuple)):
            data[key] = data[key][-1]
    data.setdefault("date_to", today.isoformat())
    data.setdefault("date_from", (today - timedelta(days=REPORT_DAYS)).isoformat())
    return data, ReportRange(str(data["date_from"]), str(data["date_to"]))


def _bound(value, *, upper: bool):
    """A parsed range bound as an aware datetime, for comparison (whole days as in the filter)."""
    parsed = DateOrDateTimeField().clean(value)
    if isinstance(parsed, date) and not isinstance(parsed, datetime):
        parsed = timezone.make_aware(datetime.combine(parsed + timedelta(days=1 if upper else 0), datetime.min.time()))
    return parsed


def report_queryset(queryset, params, *, request=None, organization=None, now=None):
    """``(permits, range)``: ``queryset`` (already scoped to the organization and the
    member's projects) narrowed by the canonical filter with the report's default range.
    Raises ``PermitFilterError`` (field errors) on a bad value or a reversed range."""
    data, rng = report_params(params, now=now)
    permits = filter_permits(queryset, data, request=request, organization=organization)
    if _bound(rng.date_from, upper=False) >= _bound(rng.date_to, upper=True):
        raise PermitFilterError({"date_to": [str(_("The end of the range must come after its start."))]})
    return permits, rng


# --- summary --------------------------------------------------------------------------
def _incident_permits(organization=None):
    """Ids of permits at least one (not deleted) incident refers to, as a subquery; None
    without the health add-on (looked up by name: no import of another add-on)."""
    if not apps.is_installed("ohms_health"):
        return None
    incident_model = apps.get_model("ohms_health", "Incident")
    incidents = incident_model.objects.filter(permit_reference__isnull=False)
    if organization is not None:
        incidents = incidents.filter(organization=organization)
    return incidents.values("permit_reference")


def incident_rate(completed: int, with_incident: int) -> float:
    """The SPEC 4.5 incident rate (definition in the module docstring)."""
    return round(with_incident / completed, 4) if completed else 0.0


def report_summary(permits, *, now=None, organization=None) -> dict:
    """The SPEC 4.5 summary figures over ``permits`` (scoped and filtered): two queries.
    ``top_permit_types`` holds dicts with the type's id, name, code and category."""
    now = now or timezone.now()
    figures = {f"status__{status}": Count("pk", filter=Q(status=status)) for status in PermitStatus.values}
    figures.update({
        "overdue_verification": Count("pk", filter=kpis.overdue_verification_q(now)),
        "overdue_approval": Count("pk", filter=kpis.overdue_approval_q(now)),
        "expiring_soon": Count("pk", filter=kpis.expiring_soon_q(now)),
        "isolation_pending": Count("pk", filter=kpis.isolation_pending_q(now)),
        "closeout_pending": Count("pk", filter=kpis.closeout_pending_q(now)),
        "completed": Count("pk", filter=Q(status=PermitStatus.COMPLETED)),
    })
    incidents = _incident_permits(organization)
    if incidents is not None:
        figures["completed_with_incident"] = Count("pk", filter=Q(status=PermitStatus.COMPLETED, pk__in=incidents))
    row = permits.order_by().aggregate(**figures)
    types = (permits.order_by().values("permit_type_id", "permit_type__name", "permit_type__code",
                                       "permit_type__category")
             .annotate(count=Count("pk")).order_by("-count", "permit_type__name")[:TOP_PERMIT_TYPES])
    return {
        "counts_by_status": {status: row[f"status__{status}"] for status in PermitStatus.values},
        "overdue": {"verification": row["overdue_verification"], "approval": row["overdue_approval"]},
        "expiring_soon": row["expiring_soon"],
        "isolation_pending": row["isolation_pending"],
        "closeout_pending": row["closeout_pending"],
        "incident_rate": incident_rate(row["completed"], row.get("completed_with_incident", 0)),
        "completed": row["completed"],
        "completed_with_incident": row.get("completed_with_incident", 0),
        "top_permit_types": [{
            "permit_type": {"id": str(t["permit_type_id"]), "name": t["permit_type__name"],
                            "code": t["permit_type__code"], "category": t["permit_type__category"]},
            "count": t["count"],
        } for t in types],
    }


def summary_payload(summary: dict, rng: ReportRange) -> dict:
    """The stable SPEC 4.5 ``reports_summary`` shape."""
    return {
        "range": rng.as_dict(),
        "counts_by_status": summary["counts_by_status"],
        "overdue": summary["overdue"],
        "expiring_soon": summary["expiring_soon"],
        "isolation_pending": summary["isolation_pending"],
        "closeout_pending": summary["closeout_pending"],
        "incident_rate": summary["incident_rate"],
        "top_permit_types": summary["top_permit_types"],
    }


# --- exceptions -----------------------------------------------------------------------
def status_since():
    """When the permit entered its current status, as far as the permit records it: the
    clock of the exception lists' ``age_hours`` (the KPIs' ``overdue_since`` for the two
    overdue lists, approval for approved permits, the start of work for permits at work)."""
    return Case(
        When(status=PermitStatus.PENDING_VERIFICATION, then=Coalesce("submitted_at", "created_at")),
        When(status=PermitStatus.PENDING_APPROVAL, then=Coalesce("verified_at", "updated_at")),
        When(status=PermitStatus.APPROVED, then=Coalesce("approved_at", "updated_at")),
        When(status__in=kpis.WORKING_STATUSES, then=Coalesce("actual_start_time", "approved_at", "updated_at")),
        default="updated_at", output_field=DateTimeField())


_CONDITIONS = {
    "overdue_verification": kpis.overdue_verification_q,
    "overdue_approval": kpis.overdue_approval_q,
    "isolation_pending": kpis.isolation_pending_q,
    "closeout_pending": kpis.closeout_pending_q,
    "activated_without_verified_isolation": kpis.activated_without_verified_isolation_q,
}


def report_exceptions(permits, *, now=None, limit: int | None = None) -> dict:
    """Each exception list (model instances, ``project`` and ``permit_type`` selected): the
    oldest first (``since`` annotated), expiring soon by hours left. One query per list."""
    now = now or timezone.now()
    limit = exception_limit() if limit is None else limit
    lists = {}
    for key, _label in EXCEPTION_LISTS:
        if key == "expiring_soon":
            lists[key] = kpis.expiring_soon(permits, now, limit=limit)
            continue
        lists[key] = list(permits.filter(_CONDITIONS[key](now)).annotate(since=status_since())
                          .select_related("project", "permit_type").order_by("since", "pk")[:limit])
    return lists


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 2)


def exception_row(key: str, permit, now) -> dict:
    row = {"id": str(permit.pk), "permit_number": permit.permit_number, "status": permit.status}
    if key in HOURS_LEFT_LISTS:
        row["hours_left"] = _hours(permit.planned_end_time - now)
    else:
        row["age_hours"] = _hours(now - permit.since)
    row["planned_end_time"] = permit.planned_end_time.isoformat()
    return row


def exceptions_payload(lists: dict, *, now) -> dict:
    """The stable SPEC 4.5 ``reports_exceptions`` shape (plus the auditor's
    ``activated_without_verified_isolation``, which must stay empty)."""
    return {key: [exception_row(key, permit, now) for permit in lists[key]] for key, _label in EXCEPTION_LISTS}


__all__ = ["EXCEPTION_LISTS", "REPORT_DAYS", "ReportRange", "exception_limit", "exceptions_payload", "incident_rate",
           "report_exceptions", "report_params", "report_queryset", "report_summary", "summary_payload"]
