"""ESG read side (SPEC 4.7): emissions per scope, site, month and year, and the progress of
sustainability goals, each in one aggregate query whatever the number of activity rows.

emissions (kg CO2e) = quantity x the factor's ``co2_factor``, computed in the database.

Progress of a goal compares *like with like*: the months of the most recent year (up to the
goal's year) that have data against the same months of the baseline year. A half-filled
current year compared with a whole baseline year would look like a 50 % reduction.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Sum

from .models import ActivityData, EmissionScope, SustainabilityGoal

EMISSIONS = ExpressionWrapper(F("quantity") * F("factor__co2_factor"),
                              output_field=DecimalField(max_digits=28, decimal_places=8))
ZERO = Decimal("0")


def activity_for(organization, *, site=None, scope: str | None = None):
    queryset = ActivityData.objects.for_organization(organization).filter(factor__is_deleted=False)
    if site is not None:
        queryset = queryset.filter(site=site)
    if scope:
        queryset = queryset.filter(factor__emission_scope=scope)
    return queryset


def emissions_by_scope(organization, *, year: int, site=None) -> dict[str, Decimal]:
    """``{scope: kg}`` for every scope (zero when no data) in ``year``. One query."""
    totals = {scope: ZERO for scope in EmissionScope.values}
    rows = (activity_for(organization, site=site).filter(year=year).values("factor__emission_scope")
            .annotate(kg=Sum(EMISSIONS)).order_by())
    for row in rows:
        totals[row["factor__emission_scope"]] = row["kg"] or ZERO
    return totals


def emissions_by_site(organization, *, year: int) -> list[dict]:
    """Per site: ``{"site_id", "site", scope: kg..., "total"}``, largest first. One query."""
    sites: dict = {}
    rows = (activity_for(organization).filter(year=year)
            .values("site_id", "site__name", "factor__emission_scope").annotate(kg=Sum(EMISSIONS)).order_by())
    for row in rows:
        entry = sites.setdefault(row["site_id"], {"site_id": row["site_id"], "site": row["site__name"],
                                                  **{scope: ZERO for scope in EmissionScope.values}})
        entry[row["factor__emission_scope"]] += row["kg"] or ZERO
    for entry in sites.values():
        entry["total"] = sum((entry[scope] for scope in EmissionScope.values), ZERO)
    return sorted(sites.values(), key=lambda e: e["total"], reverse=True)


def monthly_totals(organization, *, years=None, scope: str | None = None) -> dict[int, dict[int, Decimal]]:
    """``{year: {month: kg}}`` over the given years (all when None). One query."""
    queryset = activity_for(organization, scope=scope)
    if years is not None:
        queryset = queryset.filter(year__in=list(years))
    result: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for row in queryset.values("year", "month").annotate(kg=Sum(EMISSIONS)).order_by():
        result[row["year"]][row["month"]] = row["kg"] or ZERO
    return dict(result)


def yearly_totals(organization, *, scope: str | None = None) -> dict[int, Decimal]:
    """``{year: kg}`` for every year with data. One query."""
    rows = activity_for(organization, scope=scope).values("year").annotate(kg=Sum(EMISSIONS)).order_by("year")
    return {row["year"]: row["kg"] or ZERO for row in rows}


def yearly_by_scope(organization) -> dict[int, dict[str, Decimal]]:
    """``{year: {scope: kg}}`` for every year with data. One query."""
    result: dict[int, dict[str, Decimal]] = {}
    rows = activity_for(organization).values("year", "factor__emission_scope").annotate(kg=Sum(EMISSIONS)).order_by()
    for row in rows:
        result.setdefault(row["year"], {})[row["factor__emission_scope"]] = row["kg"] or ZERO
    return result


@dataclass
class GoalProgress:
    goal: SustainabilityGoal
    baseline_kg: Decimal | None = None      # baseline year, over the compared months
    current_kg: Decimal | None = None       # compared year, over the same months
    compared_year: int | None = None
    months: list[int] = field(default_factory=list)
    reduction_percentage: Decimal | None = None
    target_kg: Decimal | None = None        # what the compared months may emit to meet the goal

    @property
    def has_data(self) -> bool:
        return self.reduction_percentage is not None

    @property
    def on_track(self) -> bool | None:
        if not self.has_data:
            return None
        return self.reduction_percentage >= self.goal.target_reduction_percentage

    @property
    def progress_percentage(self) -> Decimal | None:
        """How far along the target reduction (100 = met), never below 0."""
        if not self.has_data:
            return None
        target = self.goal.target_reduction_percentage
        if target == 0:
            return Decimal("100")
        return max(ZERO, (self.reduction_percentage / target * 100).quantize(Decimal("0.1")))


def goal_progress(goal: SustainabilityGoal, monthly: dict[int, dict[int, Decimal]]) -> GoalProgress:
    """Progress of one goal from ``monthly_totals`` of its scope (no query)."""
    progress = GoalProgress(goal=goal)
    baseline = monthly.get(goal.baseline_year, {})
    candidates = [y for y in monthly if goal.baseline_year < y <= goal.year and monthly[y]]
    if not baseline or not candidates:
        return progress
    year = max(candidates)
    months = sorted(m for m in monthly[year] if m in baseline)
    if not months:
        return progress
    base = sum((baseline[m] for m in months), ZERO)
    current = sum((monthly[year][m] for m in months), ZERO)
    progress.compared_year, progress.months = year, months
    progress.baseline_kg, progress.current_kg = base, current
    if base > 0:
        progress.reduction_percentage = ((base - current) / base * 100).quantize(Decimal("0.01"))
        progress.target_kg = (base * (1 - goal.target_reduction_percentage / 100)).quantize(Decimal("0.001"))
    return progress


def goals_progress(organization, goals=None) -> list[GoalProgress]:
    """Progress of every goal: one query for the goals, one per distinct scope among them."""
    goals = list(goals if goals is not None else
                 SustainabilityGoal.objects.for_organization(organization).order_by("year", "emission_scope"))
    by_scope: dict[str, dict] = {}
    for scope in {g.emission_scope for g in goals}:
        by_scope[scope] = monthly_totals(organization, scope=scope or None)
    return [goal_progress(goal, by_scope[goal.emission_scope]) for goal in goals]
