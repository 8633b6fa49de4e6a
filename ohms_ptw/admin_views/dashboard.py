"""The permit KPI dashboard (SPEC 2.9 admin UI): eight cards, top-overdue and expiring-soon
tables, permits by status and the weekly trend, refreshed every 60 s.

Why the same selector and filter as the API: a card's number is ``permits/kpis/``'s number
for the same querystring, and its link opens the admin permit list with the filter
(``ohms_ptw.filters.PermitFilter``, ``kpi=...``) that selects exactly those permits.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.db.models.functions import TruncWeek
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ohms_core import permissions as policy
from ohms_core import scoping
from ohms_core.context import get_context

from .. import charts, kpis
from ..filters import PermitFilterError, filter_permits
from ..models import Permit
from ..states import PermitStatus

#: The filter parameters the dashboard passes on to the card links (the filter bar's).
CARRIED = ("project", "permit_type", "date_from", "date_to")
TREND_WEEKS = 8
REFRESH_SECONDS = 60


def _require_view():
    ctx = get_context()
    if not policy.check(user=ctx.user, role=ctx.role, resource="permit", action="view"):
        raise PermissionDenied


def _carried(params) -> dict:
    return {key: params.get(key) for key in CARRIED if params.get(key)}


def card_link(params, **filters) -> str:
    """The admin permit list with the card's filter and the dashboard's own filters."""
    return reverse("ptw_permit:index") + "?" + urlencode({**_carried(params), **filters})


def cards(data: dict, params) -> list[dict]:
    counts, overdue = data["counts"], data["overdue"]
    return [
        {"key": "total_open", "label": _("Total open"), "value": counts["total_open"],
         "url": card_link(params, status=",".join(kpis.OPEN_STATUSES))},
        {"key": "pending_verification", "label": _("Pending verification"), "value": counts["pending_verification"],
         "url": card_link(params, status=PermitStatus.PENDING_VERIFICATION)},
        {"key": "pending_approval", "label": _("Pending approval"), "value": counts["pending_approval"],
         "url": card_link(params, status=PermitStatus.PENDING_APPROVAL)},
        {"key": "overdue", "label": _("Overdue"), "value": kpis.overdue_total(overdue),
         "url": card_link(params, kpi="overdue"), "alert": True},
        {"key": "expiring_soon", "label": _("Expiring soon"), "value": overdue["expiring_soon"],
         "url": card_link(params, kpi="expiring_soon"), "alert": True},
        {"key": "active", "label": _("Active permits"), "value": counts["active"],
         "url": card_link(params, status=PermitStatus.ACTIVE)},
        {"key": "isolation_pending", "label": _("Isolation pending"), "value": overdue["isolation_pending"],
         "url": card_link(params, kpi="isolation_pending"), "alert": True},
        {"key": "closeout_pending", "label": _("Closeout pending"), "value": overdue["closeout_pending"],
         "url": card_link(params, kpi="closeout_pending"), "alert": True},
    ]


def weekly_created(queryset, now, weeks: int = TREND_WEEKS) -> list[tuple]:
    """Permits created per week over the last ``weeks`` weeks (empty weeks at 0): one query."""
    today = timezone.localdate(now)
    first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    start = timezone.make_aware(datetime.combine(first, time.min))
    rows = (queryset.filter(created_at__gte=start).order_by().annotate(week=TruncWeek("created_at"))
            .values("week").annotate(n=Count("pk")))
    by_week = {}
    for row in rows:
        week = row["week"]
        week = timezone.localtime(week).date() if isinstance(week, datetime) and timezone.is_aware(week) else (
            week.date() if isinstance(week, datetime) else week)
        by_week[week] = by_week.get(week, 0) + row["n"]
    return [(first + timedelta(weeks=i), by_week.get(first + timedelta(weeks=i), 0)) for i in range(weeks)]


def permit_dashboard(request):
    _require_view()
    organization = get_context().organization
    base = scoping.scope_queryset(Permit.objects.all(), organization=organization)
    errors = {}
    try:
        queryset = filter_permits(base, {key: request.GET.get(key) for key in CARRIED if request.GET.get(key)},
                                  request=request, organization=organization)
    except PermitFilterError as exc:
        errors, queryset = exc.errors, base
    data = kpis.permit_kpis(queryset)
    counts = data["counts"]
    status_rows = [(key, str(PermitStatus(key).label), counts[key]) for key in kpis.COUNTED_STATUSES] + [
        ("completed_today", str(_("Completed today")), counts["completed_today"]),
        ("cancelled_today", str(_("Cancelled today")), counts["cancelled_today"]),
        ("expired", str(PermitStatus.EXPIRED.label), counts["expired"]),
        ("rejected", str(PermitStatus.REJECTED.label), counts["rejected"])]
    now = data["as_of"]
    context = {
        "cards": cards(data, request.GET),
        "top_overdue": [{"permit": p, "age_hours": round((now - p.overdue_since).total_seconds() / 3600, 1)}
                        for p in data["top_overdue"]],
        "expiring_soon": [{"permit": p, "hours_left": round((p.planned_end_time - now).total_seconds() / 3600, 1)}
                          for p in data["expiring_soon"]],
        "status_chart": charts.status_bars(status_rows),
        "trend_chart": charts.weekly_trend(weekly_created(queryset, now)),
        "as_of": now,
        "errors": errors,
        "refresh_seconds": REFRESH_SECONDS,
        "projects": scoping.scope_queryset(_projects(), organization=organization).order_by("name"),
        "selected_project": request.GET.get("project", ""),
        "list_url": reverse("ptw_permit:index"),
    }
    return TemplateResponse(request, "ohms_ptw/dashboard.html", context)


def _projects():
    from ohms_core.models import Project

    return Project.objects.all()
