"""ESG REST (SPEC 4.7): ``emission-factors/``, ``activity-data/``, ``sustainability-goals/``
(with their progress) and ``emissions/`` (totals per scope and site for a year, and per
year). Emissions are computed by ``ohms_regulatory.esg``, never stored."""
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ohms_core.api.serializers import BASE_READ_ONLY, ScopedModelSerializer
from ohms_core.api.views import ScopedModelViewSet, TenantScopedMixin

from .. import esg
from ..models import ActivityData, EmissionFactor, EmissionScope, SustainabilityGoal

TIMESTAMPS = ("created_at", "updated_at")


def _kg(value) -> str | None:
    """Decimals as strings with 3 decimals (kg CO2e), as DRF renders decimals."""
    return None if value is None else str(Decimal(value).quantize(Decimal("0.001")))


class EmissionFactorSerializer(ScopedModelSerializer):
    class Meta:
        model = EmissionFactor
        fields = ("id", "version", "resource_name", "unit", "co2_factor", "emission_scope", "source", "owner",
                  *TIMESTAMPS)
        read_only_fields = BASE_READ_ONLY


class EmissionFactorViewSet(ScopedModelViewSet):
    resource, model = "emissionfactor", EmissionFactor
    serializer_class = EmissionFactorSerializer
    filterset_fields = {"emission_scope": ["exact"]}
    search_fields = ["resource_name", "unit", "source"]
    ordering_fields = ["resource_name", "emission_scope", "co2_factor"]


class ActivityDataSerializer(ScopedModelSerializer):
    emissions_kg = serializers.SerializerMethodField()
    emission_scope = serializers.CharField(source="factor.emission_scope", read_only=True)

    class Meta:
        model = ActivityData
        fields = ("id", "version", "factor", "site", "year", "month", "quantity", "notes", "emission_scope",
                  "emissions_kg", *TIMESTAMPS)
        read_only_fields = BASE_READ_ONLY

    def get_emissions_kg(self, obj) -> str:
        return _kg(obj.quantity * obj.factor.co2_factor)


class ActivityDataViewSet(ScopedModelViewSet):
    resource, model = "activitydata", ActivityData
    serializer_class = ActivityDataSerializer
    filterset_fields = {"factor": ["exact"], "site": ["exact"], "year": ["exact", "gte", "lte"],
                        "month": ["exact"], "factor__emission_scope": ["exact"]}
    ordering_fields = ["year", "month", "quantity"]

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("factor", "site")


class SustainabilityGoalSerializer(ScopedModelSerializer):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = SustainabilityGoal
        fields = ("id", "version", "year", "baseline_year", "target_reduction_percentage", "emission_scope", "owner",
                  "progress", *TIMESTAMPS)
        read_only_fields = BASE_READ_ONLY

    def validate(self, attrs):
        year = attrs.get("year", getattr(self.instance, "year", None))
        baseline = attrs.get("baseline_year", getattr(self.instance, "baseline_year", None))
        if year is not None and baseline is not None and baseline >= year:
            raise serializers.ValidationError({"baseline_year": [_("The baseline year must be before the target year.")]})
        return attrs

    def get_progress(self, obj) -> dict:
        progress = self.context.get("progress", {}).get(obj.pk)
        if progress is None:  # a single object (create, update, retrieve)
            progress = esg.goals_progress(obj.organization, [obj])[0]
        return {
            "compared_year": progress.compared_year, "months": progress.months,
            "baseline_kg": _kg(progress.baseline_kg), "current_kg": _kg(progress.current_kg),
            "target_kg": _kg(progress.target_kg),
            "reduction_percentage": None if progress.reduction_percentage is None else str(progress.reduction_percentage),
            "progress_percentage": None if progress.progress_percentage is None else str(progress.progress_percentage),
            "on_track": progress.on_track,
        }


class SustainabilityGoalViewSet(ScopedModelViewSet):
    resource, model = "sustainabilitygoal", SustainabilityGoal
    serializer_class = SustainabilityGoalSerializer
    filterset_fields = {"year": ["exact"], "emission_scope": ["exact"]}
    ordering_fields = ["year", "baseline_year"]

    def list(self, request, *args, **kwargs):
        """Progress of the whole page in one query per scope (not per goal)."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = self.get_serializer_context()
        context["progress"] = {p.goal.pk: p for p in esg.goals_progress(self.organization, page)}
        serializer = self.get_serializer_class()(page, many=True, context=context)
        return self.get_paginated_response(serializer.data)


class EmissionsViewSet(TenantScopedMixin, viewsets.GenericViewSet):
    """Read-only totals (no rows of their own): ``GET emissions/?year=`` (per scope and per
    site) and ``GET emissions/by-year/?scope=`` (per year). Readable by who reads activity data."""

    resource, model = "activitydata", ActivityData
    serializer_class = ActivityDataSerializer
    action_policy = {"list": "view", "by_year": "view"}

    def get_queryset(self):
        return ActivityData.objects.none()

    def _year(self, request) -> int:
        raw = request.query_params.get("year") or timezone.localdate().year
        try:
            year = int(raw)
        except (TypeError, ValueError):
            raise serializers.ValidationError({"year": [_("A year such as 2026 is required.")]}) from None
        if not 1990 <= year <= 2100:
            raise serializers.ValidationError({"year": [_("A year between 1990 and 2100 is required.")]})
        return year

    @extend_schema(parameters=[OpenApiParameter("year", int)])
    def list(self, request, *args, **kwargs):
        year = self._year(request)
        by_scope = esg.emissions_by_scope(self.organization, year=year)
        sites = esg.emissions_by_site(self.organization, year=year)
        return Response({
            "year": year, "unit": "kg CO2e",
            "by_scope": {scope: _kg(kg) for scope, kg in by_scope.items()},
            "total": _kg(sum(by_scope.values(), Decimal("0"))),
            "by_site": [{"site": str(s["site_id"]), "site_name": s["site"], "total": _kg(s["total"]),
                         **{scope: _kg(s[scope]) for scope in EmissionScope.values}} for s in sites],
        })

    @action(detail=False, methods=["get"], url_path="by-year")
    def by_year(self, request):
        scope = request.query_params.get("scope") or None
        if scope and scope not in EmissionScope.values:
            raise serializers.ValidationError({"scope": [_("Unknown scope.")]})
        totals = esg.yearly_totals(self.organization, scope=scope)
        return Response({"unit": "kg CO2e", "scope": scope,
                         "years": [{"year": year, "total": _kg(kg)} for year, kg in totals.items()]})
