"""The ESG screen (*Regulatory -> ESG dashboard*): the year's emissions per scope and site,
the goals with their progress, and a chart of every year against the goals. Every figure
comes from ``ohms_regulatory.esg`` (a handful of aggregate queries, whatever the rows)."""
from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core import permissions as policy
from ohms_core.context import get_context

from .. import charts, esg
from ..models import ActivityData, EmissionScope


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 1990 <= year <= 2100 else timezone.localdate().year


def esg_dashboard(request):
    ctx = get_context()
    if not policy.check(user=ctx.user, role=ctx.role, resource="activitydata", action="view"):
        raise PermissionDenied
    organization = ctx.organization
    year = _year(request)
    scope_labels = dict(EmissionScope.choices)
    by_scope = esg.emissions_by_scope(organization, year=year)
    yearly = esg.yearly_by_scope(organization)
    progress = esg.goals_progress(organization)
    targets = []
    for item in progress:
        if not item.goal.emission_scope:  # the chart's bars are totals: draw total goals only
            base = sum(yearly.get(item.goal.baseline_year, {}).values(), Decimal("0"))
            if base:
                targets.append((item.goal.year, base * (1 - item.goal.target_reduction_percentage / 100),
                                str(item.goal)))
    years = sorted(set(yearly) | {timezone.localdate().year})
    context = {
        "year": year,
        "years": years,
        "scopes": [(scope, scope_labels[scope], by_scope[scope]) for scope in EmissionScope.values],
        "total": sum(by_scope.values(), Decimal("0")),
        "sites": esg.emissions_by_site(organization, year=year),
        "progress": progress,
        "chart": charts.emissions_by_year(yearly, scope_labels, targets) if yearly else None,
        "has_data": ActivityData.objects.for_organization(organization).exists(),
        "page_title": _("ESG dashboard"),
    }
    return TemplateResponse(request, "ohms_regulatory/esg_dashboard.html", context)
