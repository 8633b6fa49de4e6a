"""/api/v1/health/overexposure-alerts/ and /alert-thresholds/ (SPEC 3.3): serializers and
viewsets. Thin: severity, duplicates, transitions and notifications are the services'."""
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from ohms_core.api.serializers import BASE_READ_ONLY, ScopedModelSerializer
from ohms_core.api.views import ScopedModelViewSet, expected_version
from ohms_core.api.workflow import TransitionsMixin

from .. import alert_ordering, services
from ..models import AlertSeverity, AlertStatus, AlertThreshold, OverexposureAlert
from ..models.alerts import OPEN_STATUSES
from ..services import alerts as alert_services
from .audited import AuditedAnswersMixin

TIMESTAMPS = ("created_at", "updated_at")
BULK_MAX = 200
#: Hidden from non-medical readers on alerts raised from an exam (DECISIONS 12); the
#: percentage too: against the fixed limit of the detector it gives the exam result back.
MEDICAL_VALUES = ("measured_value", "exposure_limit", "unit", "detection", "percent_of_limit")


class OverexposureAlertSerializer(ScopedModelSerializer):
    """In: worker, exposure_type, measured_value, exposure_limit (unit, source_exam,
    source_exposure, notes optional). Out: also percent_of_limit, severity and status,
    computed by the server."""

    employee_number = serializers.CharField(source="worker.employee_number", read_only=True)
    measured_value = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=Decimal("0"))
    exposure_limit = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=Decimal("0.0001"))
    percent_of_limit = serializers.DecimalField(max_digits=9, decimal_places=2, read_only=True)
    severity = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)

    class Meta:
        model = OverexposureAlert
        fields = ("id", "version", "worker", "employee_number", "exposure_type", "measured_value", "exposure_limit",
                  "unit", "percent_of_limit", "severity", "status", "source_exam", "source_exposure", "detection",
                  "notes", "actions_taken", "acknowledged_by", "acknowledged_at", "resolved_by", "resolved_at",
                  *TIMESTAMPS)
        read_only_fields = (*BASE_READ_ONLY, "detection", "actions_taken", "acknowledged_by", "acknowledged_at",
                            "resolved_by", "resolved_at")

    def to_representation(self, instance):
        """An alert raised from an exam carries an exam result (a hearing threshold, an
        FEV1/FVC ratio): only medical readers see the value and how it was derived; the
        others see what they act on (type, % of limit, severity, status)."""
        data = super().to_representation(instance)
        view = self.context.get("view")
        if instance.source_exam_id and getattr(view, "role", None) not in services.MEDICAL_READERS:
            for name in MEDICAL_VALUES:
                data[name] = None
        return data

    def validate(self, attrs):
        worker = attrs.get("worker")
        for name in ("source_exam", "source_exposure"):
            source = attrs.get(name)
            if source is not None and worker is not None and source.worker_id != worker.pk:
                raise serializers.ValidationError({name: ["The source belongs to another worker."]})
        return attrs


class TransitionNotesSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    version = serializers.IntegerField(required=False, min_value=1)


class ResolveSerializer(TransitionNotesSerializer):
    notes = serializers.CharField(max_length=4000, help_text="What was done (kept in actions_taken).")


class BulkAcknowledgeSerializer(serializers.Serializer):
    alert_ids = serializers.ListField(child=serializers.UUIDField(), allow_empty=False, max_length=BULK_MAX)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class BulkAcknowledgeResultSerializer(serializers.Serializer):
    acknowledged = serializers.ListField(child=serializers.CharField())
    skipped = serializers.ListField(child=serializers.DictField())


class OverexposureAlertViewSet(AuditedAnswersMixin, TransitionsMixin, ScopedModelViewSet):
    """Alerts: raised by POST (severity computed; below the warning threshold is a 400),
    ``acknowledge`` / ``resolve`` through the state machine's services, ``critical-alerts``
    (open critical and emergency alerts, most severe first), ``bulk-acknowledge`` (per-id
    result). Not editable: a wrong alert is deleted (admins) and raised again."""

    resource, model = "overexposurealert", OverexposureAlert
    serializer_class = OverexposureAlertSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    action_policy = {"restore": "delete", "acknowledge": "view", "resolve": "view", "critical_alerts": "view",
                     "bulk_acknowledge": "change"}
    filterset_fields = ["severity", "status", "exposure_type", "worker", "source_exam"]
    search_fields = ["worker__employee_number", "worker__contact__last_name", "worker__contact__first_name",
                     "exposure_type"]
    ordering_fields = ["created_at", "percent_of_limit", "severity", "status"]

    def get_ordering_fields_for_role(self):
        """``percent_of_limit`` only for medical readers (``alert_ordering``: sorting by a
        hidden value reveals it)."""
        return alert_ordering.alert_ordering_fields(self.role)

    def filter_queryset(self, queryset):
        if (not alert_ordering.may_order_by_percent(self.role)
                and alert_ordering.requests_percent_ordering(self.request.query_params.get("ordering"))):
            raise ValidationError({"ordering": [_("Only medical officers and organization administrators may "
                                                  "order alerts by their percentage of the limit.")]})
        self.ordering_fields = self.get_ordering_fields_for_role()
        return super().filter_queryset(queryset)

    def get_queryset(self):
        return super().get_queryset().select_related("worker", "acknowledged_by", "resolved_by")

    def _audit(self, rows):
        """An alert raised from an exam reveals an exam result: that read is audited per
        worker, like the exams themselves (one query whatever the page size)."""
        workers = [row.worker for row in rows if row.source_exam_id]
        if workers:
            services.audit_medical_reads(workers=workers, user=self.request.user, organization=self.organization,
                                         record="overexposure_alert")

    def _list(self, queryset):
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        self._audit(rows)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def list(self, request, *args, **kwargs):
        return self._list(self.filter_queryset(self.get_queryset()))

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        self._audit([instance])
        return Response(self.get_serializer(instance).data)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        if data.get("source_exam") is not None and self.role not in services.MEDICAL_READERS:
            raise PermissionDenied(_("Only medical officers and organization administrators link an alert to an "
                                     "examination."))
        try:
            serializer.instance = alert_services.alert_create(organization=self.organization, user=self.request.user,
                                                              **data)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}) \
                from exc

    def _transition(self, request, name, payload_class):
        alert = self.get_object()
        payload = payload_class(data=request.data)
        payload.is_valid(raise_exception=True)
        version = payload.validated_data.get("version")
        service = alert_services.alert_acknowledge if name == "acknowledge" else alert_services.alert_resolve
        alert = service(instance=alert, user=request.user, comment=payload.validated_data.get("notes", ""),
                        expected_version=version if version is not None else expected_version(request))
        return Response(self.get_serializer(alert).data)

    @extend_schema(request=TransitionNotesSerializer, responses=OverexposureAlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """active -> acknowledged (optional ``notes``); 409 from any other state."""
        return self._transition(request, "acknowledge", TransitionNotesSerializer)

    @extend_schema(request=ResolveSerializer, responses=OverexposureAlertSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """acknowledged -> resolved with ``notes`` (what was done); an active alert is
        acknowledged first (409 otherwise)."""
        return self._transition(request, "resolve", ResolveSerializer)

    @action(detail=False, methods=["get"], url_path="critical-alerts")
    def critical_alerts(self, request):
        """Critical and emergency alerts; open ones only unless ``?status=`` is given. Default
        order: by % of limit for medical readers, by severity then date for the others
        (``alert_ordering``)."""
        queryset = self.filter_queryset(self.get_queryset()).filter(
            severity__in=[AlertSeverity.CRITICAL, AlertSeverity.EMERGENCY])
        if "status" not in request.query_params:
            queryset = queryset.filter(status__in=OPEN_STATUSES)
        if "ordering" not in request.query_params:
            queryset = alert_ordering.alerts_by_urgency(queryset, role=self.role)
        return self._list(queryset)

    @extend_schema(request=BulkAcknowledgeSerializer, responses=BulkAcknowledgeResultSerializer)
    @action(detail=False, methods=["post"], url_path="bulk-acknowledge")
    def bulk_acknowledge(self, request):
        """``{"alert_ids": [...], "notes": ""}`` -> ``{"acknowledged": [ids], "skipped":
        [{"id", "code", "message"}]}``. Per id, not all-or-nothing; ids of another
        organization are "not_found", exactly like unknown ids, and never acknowledged."""
        payload = BulkAcknowledgeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ids = list(dict.fromkeys(str(i) for i in payload.validated_data["alert_ids"]))
        result = alert_services.alerts_bulk_acknowledge(organization=self.organization, ids=ids, user=request.user,
                                                        comment=payload.validated_data.get("notes", ""))
        return Response({"acknowledged": result.acknowledged, "skipped": result.skipped}, status=status.HTTP_200_OK)


class AlertThresholdSerializer(ScopedModelSerializer):
    class Meta:
        model = AlertThreshold
        fields = ("id", "version", "exposure_type", "warning_percent", "critical_percent", "emergency_above_percent",
                  *TIMESTAMPS)
        read_only_fields = BASE_READ_ONLY

    def validate(self, attrs):
        get = lambda name: attrs.get(name, getattr(self.instance, name, None))  # noqa: E731
        warning, critical, emergency = (get("warning_percent") or Decimal("80"), get("critical_percent") or
                                        Decimal("100"), get("emergency_above_percent") or Decimal("120"))
        if not warning < critical <= emergency:
            raise serializers.ValidationError({"critical_percent": [
                "Thresholds must rise: warning < critical <= emergency."]})
        return attrs


class AlertThresholdViewSet(ScopedModelViewSet):
    """Per-organization severity thresholds per exposure type (defaults = seed)."""

    resource, model = "alertthreshold", AlertThreshold
    serializer_class = AlertThresholdSerializer
    filterset_fields = ["exposure_type"]
    ordering_fields = ["exposure_type"]


__all__ = ["AlertStatus", "AlertThresholdViewSet", "OverexposureAlertViewSet"]
