"""Views of /api/v1/health/: thin; medical records go through the role-checked, audited
services (``ohms_health.services``), risk profiles through ``services.risk``."""
from django.core.cache import cache
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from ohms_core.api.views import ScopedModelViewSet, expected_version
from ohms_core.exceptions import NotAllowedError

from .. import services
from ..models import Exposure, MedicalExamination, RiskLevel, WorkerRiskProfile
from ..services import risk
from . import serializers as s

HIGH_RISK_CACHE_SECONDS = 3600


class MedicalExaminationViewSet(ScopedModelViewSet):
    """Examination content: medical officers and org admins only; every read audited per worker."""

    resource, model = "medicalexamination", MedicalExamination
    serializer_class = s.MedicalExaminationSerializer
    filterset_fields = ["worker", "exam_type", "fitness_outcome"]
    search_fields = ["worker__employee_number"]
    ordering_fields = ["exam_date", "next_due_date", "created_at"]

    def get_queryset(self):
        return super().get_queryset().select_related("worker")

    def _audit(self, rows):
        services.audit_medical_reads(workers=[row.worker for row in rows], user=self.request.user,
                                     organization=self.organization, record="medical_examination")

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        self._audit(rows)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        self._audit([instance])
        return Response(self.get_serializer(instance).data)

    def _call(self, func, **kwargs):
        try:
            return func(user=self.request.user, role=self.role, **kwargs)
        except NotAllowedError as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc

    def perform_create(self, serializer):
        serializer.instance = self._call(services.medical_record_create, model=self.model,
                                         organization=self.organization, data=dict(serializer.validated_data))

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = self._call(services.medical_record_update, instance=serializer.instance, data=data,
                                         expected_version=expected_version(self.request))

    def perform_destroy(self, instance):
        self._call(services.medical_record_delete, instance=instance, expected_version=expected_version(self.request))

    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """Undo a soft delete; the answer carries the content, so it is a read (audited)."""
        response = super().restore(request, pk)
        self._audit([self.get_object()])
        return response


class ExposureViewSet(ScopedModelViewSet):
    resource, model = "exposure", Exposure
    serializer_class = s.ExposureSerializer
    filterset_fields = ["worker", "exposure_type", "high_risk"]
    search_fields = ["exposure_type", "worker__employee_number"]
    ordering_fields = ["measured_on", "measured_level", "created_at"]


class WorkerRiskProfileViewSet(ScopedModelViewSet):
    """Profiles are computed: POST with ``worker`` calculates one; PUT/PATCH and
    ``calculate`` recalculate; the two lists answer "who needs attention"."""

    resource, model = "workerriskprofile", WorkerRiskProfile
    serializer_class = s.WorkerRiskProfileSerializer
    action_policy = {"restore": "delete", "calculate": "change"}
    filterset_fields = ["risk_level", "intervention_required", "worker", "worker__enterprise"]
    search_fields = ["worker__employee_number"]
    ordering_fields = ["overall_risk_score", "last_calculated_at", "risk_level"]

    def get_queryset(self):
        return super().get_queryset().select_related("worker")

    def perform_create(self, serializer):
        worker = serializer.validated_data["worker"]
        serializer.instance = risk.calculate_profile(worker=worker, user=self.request.user)

    def perform_update(self, serializer):
        version = expected_version(self.request)
        if version is not None and version != serializer.instance.version:
            from ohms_core.exceptions import ConflictError

            raise ConflictError(errors={"version": [f"current version is {serializer.instance.version}"]})
        serializer.instance = risk.calculate_profile(worker=serializer.instance.worker, user=self.request.user)

    @action(detail=True, methods=["post"])
    def calculate(self, request, pk=None):
        """Recompute the profile now and return it."""
        profile = self.get_object()
        profile = risk.calculate_profile(worker=profile.worker, user=request.user)
        return Response(self.get_serializer(profile).data, status=status.HTTP_200_OK)

    def _levels(self, levels):
        queryset = self.filter_queryset(self.get_queryset()).filter(risk_level__in=levels)
        page = self.paginate_queryset(queryset)
        data = self.get_serializer(page if page is not None else queryset, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @action(detail=False, methods=["get"], url_path="high-risk-workers")
    def high_risk_workers(self, request):
        """Levels high and critical; cached 1 h per organization and query, dropped at once
        by any recalculation (so the list never shows a stale level after ``calculate``)."""
        key = f"ohms_health:high-risk:{self.organization.pk}:{risk.generation(self.organization)}:{request.get_full_path()}"
        cached = cache.get(key)
        if cached is None:
            cached = self._levels((RiskLevel.HIGH, RiskLevel.CRITICAL)).data
            cache.set(key, cached, HIGH_RISK_CACHE_SECONDS)
        return Response(cached)

    @action(detail=False, methods=["get"], url_path="intervention-required")
    def intervention_required(self, request):
        """High (active intervention) and critical (immediate) profiles, most urgent first."""
        return self._levels((RiskLevel.HIGH, RiskLevel.CRITICAL))
