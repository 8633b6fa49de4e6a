"""Serializers of /api/v1/health/ (issue 8, "API contract details")."""
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ohms_core.api.serializers import BASE_READ_ONLY, ScopedModelSerializer

from ..models import Exposure, MedicalExamination, WorkerRiskProfile

TIMESTAMPS = ("created_at", "updated_at")


class MedicalExaminationSerializer(ScopedModelSerializer):
    class Meta:
        model = MedicalExamination
        fields = ("id", "version", "worker", "exam_type", "exam_date", "findings", "results", "fitness_outcome",
                  "restrictions", "next_due_date", *TIMESTAMPS)
        read_only_fields = BASE_READ_ONLY

    def validate(self, attrs):
        exam_date = attrs.get("exam_date", getattr(self.instance, "exam_date", None))
        next_due = attrs.get("next_due_date", getattr(self.instance, "next_due_date", None))
        if exam_date and next_due and next_due < exam_date:
            raise serializers.ValidationError({"next_due_date": _("The next due date cannot be before the exam date.")})
        return attrs


class ExposureSerializer(ScopedModelSerializer):
    percent_of_limit = serializers.FloatField(read_only=True)
    measured_level = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=Decimal("0"))
    exposure_limit = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=Decimal("0.0001"))

    class Meta:
        model = Exposure
        fields = ("id", "version", "worker", "exposure_type", "measured_level", "exposure_limit", "unit",
                  "measured_on", "high_risk", "percent_of_limit", *TIMESTAMPS)
        read_only_fields = BASE_READ_ONLY


class WorkerRiskProfileSerializer(ScopedModelSerializer):
    """Created with ``worker`` only; everything else is computed by the server."""

    employee_number = serializers.CharField(source="worker.employee_number", read_only=True)

    class Meta:
        model = WorkerRiskProfile
        fields = ("id", "version", "worker", "employee_number", "health_risk_score", "exposure_risk_score",
                  "compliance_risk_score", "overall_risk_score", "risk_level", "intervention_required",
                  "recommendation", "last_calculated_at", *TIMESTAMPS)
        read_only_fields = (*BASE_READ_ONLY, "health_risk_score", "exposure_risk_score", "compliance_risk_score",
                            "overall_risk_score", "risk_level", "intervention_required", "recommendation",
                            "last_calculated_at")

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["worker"].read_only = True  # a profile never moves to another worker
        return fields
