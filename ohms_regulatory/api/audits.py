"""``/api/v1/regulatory/quality-audits/`` and ``audit-findings/`` (SPEC 4.6).

Thin: CRUD through core's record services; a finding's status changes only through its
state machine (``audit-findings/{id}/transitions/{name}/``).
"""
from django.db.models import Count, Q
from django.utils import timezone
from django_filters import rest_framework as filters
from rest_framework import serializers

from ohms_core.api.serializers import BASE_READ_ONLY, ScopedModelSerializer
from ohms_core.api.views import ScopedModelViewSet
from ohms_core.api.workflow import TransitionsMixin

from ..models import AuditFinding, FindingSeverity, FindingStatus, QualityAudit
from ..models.audits import OPEN_FINDING_STATES

TIMESTAMPS = ("created_at", "updated_at")


class QualityAuditSerializer(ScopedModelSerializer):
    findings_count = serializers.IntegerField(read_only=True, default=0)
    open_findings_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = QualityAudit
        fields = ("id", "version", "site", "audit_date", "standard", "scope", "lead_auditor", "result", "summary",
                  "report", "findings_count", "open_findings_count", *TIMESTAMPS)
        read_only_fields = BASE_READ_ONLY


class QualityAuditViewSet(ScopedModelViewSet):
    resource, model = "qualityaudit", QualityAudit
    serializer_class = QualityAuditSerializer
    filterset_fields = {"site": ["exact"], "result": ["exact"], "standard": ["exact", "icontains"],
                        "audit_date": ["gte", "lte"]}
    search_fields = ["standard", "scope", "lead_auditor", "summary"]
    ordering_fields = ["audit_date", "standard", "created_at"]

    def get_base_queryset(self):
        live = Q(findings__is_deleted=False)
        return super().get_base_queryset().select_related("site").annotate(
            findings_count=Count("findings", filter=live, distinct=True),
            open_findings_count=Count("findings", filter=live & Q(findings__status__in=OPEN_FINDING_STATES),
                                      distinct=True)).order_by("-audit_date", "-created_at")  # GROUP BY drops Meta.ordering


class AuditFindingFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=FindingStatus.choices)
    severity = filters.MultipleChoiceFilter(choices=FindingSeverity.choices)
    overdue = filters.BooleanFilter(method="filter_overdue", label="overdue")

    class Meta:
        model = AuditFinding
        fields = {"audit": ["exact"], "owner": ["exact"], "audit__site": ["exact"], "due_date": ["gte", "lte"]}

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=OPEN_FINDING_STATES, due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class AuditFindingSerializer(ScopedModelSerializer):
    is_overdue = serializers.BooleanField(read_only=True)
    site = serializers.UUIDField(source="audit.site_id", read_only=True)

    class Meta:
        model = AuditFinding
        fields = ("id", "version", "audit", "site", "reference", "severity", "clause", "description", "owner",
                  "due_date", "corrective_action", "action_taken", "status", "is_overdue", "verified_by",
                  "verified_at", "closed_at", *TIMESTAMPS)
        read_only_fields = (*BASE_READ_ONLY, "status", "verified_by", "verified_at", "closed_at")


class AuditFindingViewSet(TransitionsMixin, ScopedModelViewSet):
    resource, model = "auditfinding", AuditFinding
    serializer_class = AuditFindingSerializer
    filterset_class = AuditFindingFilter
    search_fields = ["reference", "clause", "description", "corrective_action"]
    ordering_fields = ["due_date", "severity", "status", "created_at"]

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("audit")
