"""REST of incidents and occupational diseases (issue 8, "API contract details"):
``/api/v1/health/incidents/`` (+ ``incident-injuries/``, ``corrective-actions/``) and
``/api/v1/health/occupational-diseases/``.

Thin: writes go through ``ohms_health.services.incidents`` (event, permit reference, closed
incidents frozen); status changes only through the state machine (``transitions/``);
occupational diseases reuse the medical examination view (role-checked, every read audited
per worker).
"""
from datetime import timedelta

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from ohms_core.api.serializers import BASE_READ_ONLY, ScopedModelSerializer
from ohms_core.api.views import ScopedModelViewSet, expected_version
from ohms_core.api.workflow import TransitionsMixin

from ..models import (
    CorrectiveAction,
    Incident,
    IncidentInjury,
    IncidentSeverity,
    IncidentStatus,
    OccupationalDisease,
)
from ..services import incidents as incident_services
from .views import MedicalExaminationViewSet

TIMESTAMPS = ("created_at", "updated_at")


# --- serializers -----------------------------------------------------------------------------

class IncidentInjurySerializer(ScopedModelSerializer):
    class Meta:
        model = IncidentInjury
        fields = ("id", "version", "incident", "worker", "injury_type", "body_part", "description", "days_lost",
                  *TIMESTAMPS)
        read_only_fields = BASE_READ_ONLY

    def validate(self, attrs):
        incident = attrs.get("incident", getattr(self.instance, "incident", None))
        worker = attrs.get("worker", getattr(self.instance, "worker", None))
        if incident and worker and not incident.workers.filter(pk=worker.pk).exists():
            raise serializers.ValidationError(
                {"worker": _("Only a person involved in the incident can have an injury on it.")})
        return attrs


class CorrectiveActionSerializer(ScopedModelSerializer):
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = CorrectiveAction
        fields = ("id", "version", "incident", "description", "owner", "due_date", "done_at", "is_open",
                  *TIMESTAMPS)
        read_only_fields = BASE_READ_ONLY


class _InjuryRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentInjury
        fields = ("id", "worker", "injury_type", "body_part", "description", "days_lost")


class _ActionRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = CorrectiveAction
        fields = ("id", "description", "owner", "due_date", "done_at")


class IncidentSerializer(ScopedModelSerializer):
    """Created with ``enterprise``, ``occurred_at``, ``severity``, ``location``,
    ``description``, ``workers`` (ids) and optionally ``permit`` (a permit id or number of
    this organization); the status moves through ``transitions/`` only."""

    permit = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=64,
                                   help_text=_("Permit id or permit number (when the work was under a permit)."))
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    is_recordable = serializers.BooleanField(read_only=True)
    lost_time_days = serializers.IntegerField(read_only=True)
    open_actions = serializers.SerializerMethodField()
    injuries = _InjuryRowSerializer(many=True, read_only=True)
    corrective_actions = _ActionRowSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = ("id", "version", "enterprise", "enterprise_name", "occurred_at", "severity", "location",
                  "description", "workers", "root_cause", "permit", "permit_number", "status", "reported_by",
                  "closed_at", "is_recordable", "lost_time_days", "open_actions", "injuries", "corrective_actions",
                  *TIMESTAMPS)
        read_only_fields = (*BASE_READ_ONLY, "permit_number", "status", "reported_by", "closed_at")

    def get_open_actions(self, incident) -> int:
        return sum(1 for row in incident.corrective_actions.all() if row.done_at is None)

    def validate_occurred_at(self, value):
        if value > timezone.now() + timedelta(minutes=5):
            raise serializers.ValidationError(_("An incident cannot be reported in the future."))
        return value

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["permit"] = str(instance.permit_reference) if instance.permit_reference else None
        return data


class OccupationalDiseaseSerializer(ScopedModelSerializer):
    class Meta:
        model = OccupationalDisease
        fields = ("id", "version", "worker", "disease", "agent", "diagnosed_on", "is_occupational",
                  "diagnosis_detail", "source_examination", *TIMESTAMPS)
        read_only_fields = BASE_READ_ONLY

    def validate(self, attrs):
        worker = attrs.get("worker", getattr(self.instance, "worker", None))
        exam = attrs.get("source_examination", getattr(self.instance, "source_examination", None))
        if worker and exam and exam.worker_id != worker.pk:
            raise serializers.ValidationError(
                {"source_examination": _("The source examination is one of another worker.")})
        diagnosed_on = attrs.get("diagnosed_on")
        if diagnosed_on and diagnosed_on > timezone.localdate():
            raise serializers.ValidationError({"diagnosed_on": _("A diagnosis date cannot be in the future.")})
        return attrs


# --- views -----------------------------------------------------------------------------------

class IncidentFilter(filters.FilterSet):
    severity = filters.MultipleChoiceFilter(choices=IncidentSeverity.choices)
    status = filters.MultipleChoiceFilter(choices=IncidentStatus.choices)
    date_from = filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte")
    date_to = filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte")

    class Meta:
        model = Incident
        fields = ["severity", "status", "enterprise", "workers"]


class IncidentViewSet(TransitionsMixin, ScopedModelViewSet):
    """Incidents of the organization: safety roles read them broadly (not medical content);
    supervisors report; the safety and medical sides investigate and close."""

    resource, model = "incident", Incident
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    search_fields = ["location", "description", "permit_number", "enterprise__name"]
    ordering_fields = ["occurred_at", "severity", "status", "created_at"]

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("enterprise").prefetch_related(
            "workers",
            Prefetch("injuries", queryset=IncidentInjury.objects.order_by("created_at")),
            Prefetch("corrective_actions", queryset=CorrectiveAction.objects.order_by("due_date", "created_at")),
        )

    def create_object(self, data):
        return incident_services.incident_report(organization=self.organization, data=data, user=self.request.user)

    def update_object(self, instance, data):
        return incident_services.incident_update(instance=instance, data=data, user=self.request.user,
                                                 expected_version=expected_version(self.request))

    def perform_create(self, serializer):
        super().perform_create(serializer)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_update(self, serializer):
        super().perform_update(serializer)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)


class _IncidentChildViewSet(ScopedModelViewSet):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("incident")

    def create_object(self, data):
        return incident_services.incident_child_save(model=self.model, data=data, user=self.request.user,
                                                     organization=self.organization)

    def update_object(self, instance, data):
        return incident_services.incident_child_save(model=self.model, instance=instance, data=data,
                                                     user=self.request.user,
                                                     expected_version=expected_version(self.request))


class IncidentInjuryViewSet(_IncidentChildViewSet):
    resource, model = "incidentinjury", IncidentInjury
    serializer_class = IncidentInjurySerializer
    filterset_fields = ["incident", "worker", "injury_type"]
    ordering_fields = ["created_at", "days_lost"]


class CorrectiveActionFilter(filters.FilterSet):
    open = filters.BooleanFilter(field_name="done_at", lookup_expr="isnull", label=_("open"))

    class Meta:
        model = CorrectiveAction
        fields = ["incident", "owner"]


class CorrectiveActionViewSet(_IncidentChildViewSet):
    resource, model = "correctiveaction", CorrectiveAction
    serializer_class = CorrectiveActionSerializer
    filterset_class = CorrectiveActionFilter
    search_fields = ["description"]
    ordering_fields = ["due_date", "created_at", "done_at"]
    action_policy = {"restore": "delete", "complete": "change"}

    @extend_schema(request=None, responses=CorrectiveActionSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Mark the action done now (a done action keeps its date)."""
        done = incident_services.corrective_action_complete(action=self.get_object(), user=request.user,
                                                            expected_version=expected_version(request))
        return Response(self.get_serializer(done).data)


class OccupationalDiseaseViewSet(MedicalExaminationViewSet):
    """Medical: medical officers and org admins only; every read audited per worker; creating
    one emits ``health.disease.diagnosed``."""

    resource, model = "occupationaldisease", OccupationalDisease
    serializer_class = OccupationalDiseaseSerializer
    filterset_fields = ["worker", "agent", "is_occupational", "worker__enterprise"]
    search_fields = ["worker__employee_number", "disease", "agent"]
    ordering_fields = ["diagnosed_on", "created_at"]

    def _audit(self, rows):
        from ..services import audit_medical_reads

        audit_medical_reads(workers=[row.worker for row in rows], user=self.request.user,
                            organization=self.organization, record="occupational_disease")

    def perform_create(self, serializer):
        serializer.instance = self._call(incident_services.disease_diagnose, organization=self.organization,
                                         data=dict(serializer.validated_data))
