"""REST of the CNSS and DRC declarations under ``/api/v1/regulatory/`` (SPEC 4.1-4.2).

The pinned contract (issue 12): ``id``, ``reference_number``, ``report_type``, ``status``,
``enterprise``, ``deadline_at``, ``incidents``/``diseases`` (DRC, ids), ``incident``/
``disease`` (CNSS), ``submitted_at``; actions ``submit``, ``pending``, ``generate-monthly``
(CNSS), ``fatal-incidents`` (DRC), ``{id}/pdf/``, ``export-excel`` (the filtered list as a
workbook), ``authority-response``; filters ``status``, ``report_type``, ``enterprise``,
``overdue=true``. The generic ``transitions/`` endpoints of core work too (same services).

Thin: writes go through ``services.reports``; the PDF (declarants only: it names the worker
and, for a disease, the disease) and the Excel export are audited (action ``export``).
"""
from __future__ import annotations

from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from ohms_core.api.serializers import BASE_READ_ONLY, ScopedModelSerializer
from ohms_core.api.views import ScopedModelViewSet, expected_version
from ohms_core.api.workflow import TransitionRequestSerializer, TransitionsMixin
from ohms_core.models import AuditAction, Enterprise
from ohms_core.services.audit import audit_record
from ohms_core.services.records import record_update

from ..exports.reports_excel import XLSX, reports_workbook
from ..exports.reports_pdf import declaration_pdf
from ..models import CNSSReport, DRCReport
from ..services import reports as services
from ..states import UNSUBMITTED_STATUSES, CNSSReportType, DRCReportType, ReportStatus

COMMON_FIELDS = ("id", "version", "reference_number", "report_type", "status", "enterprise", "enterprise_name",
                 "period_year", "period_month", "period_quarter", "data", "notes", "event_at", "deadline_at",
                 "is_overdue", "hours_left", "submitted_at", "submitted_by", "authority_reference",
                 "acknowledged_at", "decided_at", "authority_response", "required_actions", "follow_up_deadline",
                 "created_at", "updated_at")
COMMON_READ_ONLY = (*BASE_READ_ONLY, "reference_number", "status", "event_at", "deadline_at", "submitted_at",
                    "submitted_by", "acknowledged_at", "decided_at")
#: What a declaration keeps once created: its links and type are what was declared.
FROZEN_ON_UPDATE = ("report_type", "enterprise", "incident", "disease", "exit_examination", "incidents", "diseases")
#: Editable until submitted; the authority's answer stays editable (follow-up).
DRAFT_ONLY = ("period_year", "period_month", "period_quarter", "data")


class _DeclarationSerializer(ScopedModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    hours_left = serializers.SerializerMethodField()

    def get_hours_left(self, report) -> float | None:
        left = report.time_left()
        return round(left.total_seconds() / 3600, 1) if left is not None else None

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, (list, tuple)) and hasattr(self.instance, "pk"):
            for name in FROZEN_ON_UPDATE:
                if name in fields:
                    fields[name].read_only = True
        return fields

    def validate_period_month(self, value):
        if value is not None and not 1 <= value <= 12:
            raise serializers.ValidationError(_("A month is between 1 and 12."))
        return value

    def validate_period_quarter(self, value):
        if value is not None and not 1 <= value <= 4:
            raise serializers.ValidationError(_("A quarter is between 1 and 4."))
        return value

    def validate(self, attrs):
        if self.instance is not None and self.instance.status not in UNSUBMITTED_STATUSES:
            changed = [name for name in DRAFT_ONLY if name in attrs]
            if changed:
                raise serializers.ValidationError({name: [_("The declaration is submitted: this can no longer "
                                                            "change.")] for name in changed})
        return attrs


class CNSSReportSerializer(_DeclarationSerializer):
    class Meta:
        model = CNSSReport
        fields = (*COMMON_FIELDS, "incident", "disease", "exit_examination")
        read_only_fields = COMMON_READ_ONLY

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is None:
            kind = attrs.get("report_type")
            if kind in (CNSSReportType.INCIDENT, CNSSReportType.FATALITY) and not attrs.get("incident"):
                raise serializers.ValidationError({"incident": [_("An accident declaration names its incident.")]})
            if kind == CNSSReportType.DISEASE and not attrs.get("disease"):
                raise serializers.ValidationError({"disease": [_("A disease declaration names its disease.")]})
            if kind == CNSSReportType.MONTHLY_STATS and not (attrs.get("period_year") and attrs.get("period_month")):
                raise serializers.ValidationError({"period_month": [_("Give the month and year (or use "
                                                                      "generate-monthly).")]})
            ent = attrs.get("enterprise")
            incident = attrs.get("incident")
            if ent and incident and incident.enterprise_id != ent.pk:
                raise serializers.ValidationError({"incident": [_("This incident is of another enterprise.")]})
        return attrs


class DRCReportSerializer(_DeclarationSerializer):
    class Meta:
        model = DRCReport
        fields = (*COMMON_FIELDS, "incidents", "diseases")
        read_only_fields = COMMON_READ_ONLY
        extra_kwargs = {"incidents": {"required": False}, "diseases": {"required": False}}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is None:
            kind = attrs.get("report_type")
            if kind in (DRCReportType.FATAL_INCIDENT, DRCReportType.SEVERE_INCIDENT) and not attrs.get("incidents"):
                raise serializers.ValidationError({"incidents": [_("Name the incident(s) declared.")]})
            if kind == DRCReportType.DISEASE_NOTICE and not attrs.get("diseases"):
                raise serializers.ValidationError({"diseases": [_("Name the disease(s) declared.")]})
        return attrs


class GenerateMonthlySerializer(serializers.Serializer):
    """``{"enterprise": id, "month": m, "year": y}``; the seed's ``enterprise_id`` is accepted too."""

    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all(), required=False)
    enterprise_id = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all(), required=False)
    month = serializers.IntegerField(min_value=1, max_value=12)
    year = serializers.IntegerField(min_value=2000, max_value=2100)

    def __init__(self, *args, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        from ohms_core.scoping import scope_choices

        for name in ("enterprise", "enterprise_id"):
            self.fields[name].queryset = scope_choices(Enterprise.objects.all(), organization=organization)

    def validate(self, attrs):
        enterprise = attrs.get("enterprise") or attrs.get("enterprise_id")
        if enterprise is None:
            raise serializers.ValidationError({"enterprise": [_("This field is required.")]})
        attrs["enterprise"] = enterprise
        return attrs


class AuthorityResponseSerializer(TransitionRequestSerializer):
    """The authority's answer: with ``transition`` (acknowledge, approve, reject) it moves the
    declaration too; without, it only records the follow-up fields."""

    transition = serializers.ChoiceField(choices=["acknowledge", "approve", "reject"], required=False)
    authority_reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    authority_response = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    required_actions = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    follow_up_deadline = serializers.DateField(required=False, allow_null=True)


class DeclarationFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=ReportStatus.choices)
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("overdue"))
    deadline_before = filters.IsoDateTimeFilter(field_name="deadline_at", lookup_expr="lte")

    def filter_overdue(self, queryset, name, value):
        condition = Q(status__in=UNSUBMITTED_STATUSES, deadline_at__lte=timezone.now())
        return queryset.filter(condition) if value else queryset.exclude(condition)


class CNSSReportFilter(DeclarationFilter):
    report_type = filters.MultipleChoiceFilter(choices=CNSSReportType.choices)

    class Meta:
        model = CNSSReport
        fields = ["status", "report_type", "enterprise", "incident", "disease", "period_year", "period_month"]


class DRCReportFilter(DeclarationFilter):
    report_type = filters.MultipleChoiceFilter(choices=DRCReportType.choices)

    class Meta:
        model = DRCReport
        fields = ["status", "report_type", "enterprise", "incidents", "diseases"]


def _attachment(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


class _DeclarationViewSet(TransitionsMixin, ScopedModelViewSet):
    """CRUD (create through the numbering service), ``submit``, ``pending``, the PDF, Excel."""

    search_fields = ["reference_number", "enterprise__name", "authority_reference", "notes"]
    ordering_fields = ["created_at", "deadline_at", "submitted_at", "reference_number", "status"]
    ordering = ["-created_at"]
    # The PDF names the worker (and the disease of a disease declaration): declarants only.
    action_policy = {"restore": "delete", "submit": "change", "pdf": "change", "authority_response": "change",
                     "generate_monthly": "add", "pending": "view", "export_excel": "view",
                     "fatal_incidents": "view"}
    kind = ""

    def create_object(self, data):
        raise NotImplementedError

    def update_object(self, instance, data):
        return record_update(instance=instance, data=data, expected_version=expected_version(self.request),
                             user=self.request.user)

    def perform_create(self, serializer):
        super().perform_create(serializer)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    @extend_schema(request=TransitionRequestSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """File the declaration (ready_for_submission -> submitted): an exit exam's moves the exam on."""
        instance = self.get_object()
        payload = TransitionRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        version = payload.validated_data.get("version") or expected_version(request)
        instance = services.report_transition(instance=instance, name="submit", user=request.user,
                                              comment=payload.validated_data.get("comment", ""),
                                              expected_version=version)
        return Response(self.get_serializer(self.get_queryset().get(pk=instance.pk)).data)

    @extend_schema(request=AuthorityResponseSerializer)
    @action(detail=True, methods=["post"], url_path="authority-response")
    def authority_response(self, request, pk=None):
        """Record the authority's answer (and acknowledge / approve / reject with it)."""
        instance = self.get_object()
        payload = AuthorityResponseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        name = data.pop("transition", None)
        comment = data.pop("comment", "")
        version = data.pop("version", None) or expected_version(request)
        if name:
            instance = services.report_transition(instance=instance, name=name, user=request.user, comment=comment,
                                                  expected_version=version, data=data)
        else:
            data = {k: ("" if v is None and k != "follow_up_deadline" else v) for k, v in data.items()}
            instance = record_update(instance=instance, data=data, expected_version=version, user=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=instance.pk)).data)

    @action(detail=False, methods=["get"])
    def pending(self, request):
        """Declarations not yet submitted (draft or ready), soonest deadline first."""
        queryset = self.filter_queryset(self.get_queryset()).filter(status__in=UNSUBMITTED_STATUSES).order_by(
            "deadline_at", "created_at")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The French declaration form of this report (audited)."""
        report = self.get_object()
        data = declaration_pdf(report)
        audit_record(action=AuditAction.EXPORT, obj=report, user=request.user, organization=self.organization,
                     changes={"format": "pdf", "kind": self.kind})
        return _attachment(HttpResponse(data, content_type="application/pdf"), f"{report.reference_number}.pdf")

    @extend_schema(responses={(200, XLSX): bytes})
    @action(detail=False, methods=["get"], url_path="export-excel")
    def export_excel(self, request):
        """The filtered list (same filters as the list) as one workbook (audited)."""
        queryset = self.filter_queryset(self.get_queryset())
        data, count = reports_workbook(queryset, kind=self.kind)
        audit_record(action=AuditAction.EXPORT, user=request.user, organization=self.organization,
                     object_repr=f"{self.kind} declarations", changes={"format": "xlsx", "kind": self.kind,
                                                                       "count": count,
                                                                       "filters": dict(request.query_params)})
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return _attachment(HttpResponse(data, content_type=XLSX), f"{self.kind}-declarations-{stamp}.xlsx")


class CNSSReportViewSet(_DeclarationViewSet):
    resource, model, kind = "cnssreport", CNSSReport, "cnss"
    serializer_class = CNSSReportSerializer
    filterset_class = CNSSReportFilter

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("enterprise")

    def create_object(self, data):
        return services.cnss_report_create(organization=self.organization, data=data, user=self.request.user)

    @extend_schema(request=GenerateMonthlySerializer, responses={201: CNSSReportSerializer, 200: CNSSReportSerializer})
    @action(detail=False, methods=["post"], url_path="generate-monthly")
    def generate_monthly(self, request):
        """The ``monthly_stats`` draft of an enterprise and month (201), or the existing one (200)."""
        payload = GenerateMonthlySerializer(data=request.data, organization=self.organization)
        payload.is_valid(raise_exception=True)
        report, created = services.cnss_generate_monthly(
            organization=self.organization, enterprise=payload.validated_data["enterprise"],
            year=payload.validated_data["year"], month=payload.validated_data["month"], user=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=report.pk)).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class DRCReportViewSet(_DeclarationViewSet):
    resource, model, kind = "drcreport", DRCReport, "drc"
    serializer_class = DRCReportSerializer
    filterset_class = DRCReportFilter

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("enterprise").prefetch_related("incidents", "diseases")

    def create_object(self, data):
        return services.drc_report_create(organization=self.organization, data=data, user=self.request.user)

    @action(detail=False, methods=["get"], url_path="fatal-incidents")
    def fatal_incidents(self, request):
        """The fatal incident reports (24-hour declarations), soonest deadline first."""
        queryset = self.filter_queryset(self.get_queryset()).filter(
            report_type=DRCReportType.FATAL_INCIDENT).order_by("deadline_at")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
