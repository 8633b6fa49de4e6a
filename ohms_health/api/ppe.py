"""/api/v1/health/ppe-items/ and /api/v1/health/ppe-compliance/ (SPEC 3.5): serializers and
views; the rules live in ``services.ppe``."""
from __future__ import annotations

from django.core.cache import cache
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from ohms_core.api.serializers import BASE_READ_ONLY, ScopedModelSerializer
from ohms_core.api.views import ScopedModelViewSet
from ohms_core.models import Enterprise
from ohms_core.scoping import scope_choices

from ..models import CheckType, ComplianceStatus, PPEComplianceRecord, PPEItem
from ..services import ppe as ppe_services

TIMESTAMPS = ("created_at", "updated_at")
RATE_CACHE_SECONDS = 30 * 60
MAX_BULK = 500


class PPEItemSerializer(ScopedModelSerializer):
    is_expired = serializers.SerializerMethodField()
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all(), required=False)

    class Meta:
        model = PPEItem
        fields = ("id", "version", "enterprise", "worker", "ppe_type", "serial_number", "description", "issued_on",
                  "expiry_date", "condition", "is_expired", *TIMESTAMPS)
        read_only_fields = BASE_READ_ONLY

    def get_is_expired(self, obj) -> bool:
        return obj.is_expired()

    def validate(self, attrs):
        """The enterprise defaults to the assigned worker's."""
        if self.instance is None and "enterprise" not in attrs:
            worker = attrs.get("worker")
            if worker is None:
                raise serializers.ValidationError({"enterprise": [_("Give the enterprise, or the worker it is assigned to.")]})
            attrs["enterprise"] = worker.enterprise
        return attrs


class PPEItemViewSet(ScopedModelViewSet):
    resource, model = "ppeitem", PPEItem
    serializer_class = PPEItemSerializer
    filterset_fields = {"enterprise": ["exact"], "worker": ["exact"], "ppe_type": ["exact"],
                        "condition": ["exact"], "expiry_date": ["exact", "lte", "gte"]}
    search_fields = ["serial_number", "description"]
    ordering_fields = ["serial_number", "expiry_date", "issued_on", "created_at"]

    def get_queryset(self):
        return super().get_queryset().select_related("enterprise", "worker")

    @action(detail=False, methods=["get"])
    def expiring(self, request):
        """Items in service expiring within ``?days=`` (default 30, at most 3650) or expired."""
        try:
            days = int(request.query_params.get("days", 30))
        except ValueError:
            raise serializers.ValidationError({"days": [_("A whole number of days is required.")]}) from None
        if not 0 <= days <= 3650:
            raise serializers.ValidationError({"days": [_("Between 0 and 3650 days.")]})
        queryset = ppe_services.expiring_items(self.filter_queryset(self.get_queryset()), within_days=days)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class PPEComplianceRecordSerializer(ScopedModelSerializer):
    status = serializers.ChoiceField(choices=ComplianceStatus.choices, required=False,
                                     help_text=_("Default: compliant, or expired when the item is past its expiry date."))
    serial_number = serializers.CharField(source="ppe_item.serial_number", read_only=True)
    enterprise = serializers.UUIDField(source="ppe_item.enterprise_id", read_only=True)

    class Meta:
        model = PPEComplianceRecord
        fields = ("id", "version", "ppe_item", "serial_number", "enterprise", "worker", "check_type", "status",
                  "is_compliant", "checked_by", "checked_at", "notes", "action_taken", *TIMESTAMPS)
        read_only_fields = (*BASE_READ_ONLY, "worker", "is_compliant", "checked_by")


class BulkCheckSerializer(serializers.Serializer):
    ppe_item_ids = serializers.PrimaryKeyRelatedField(queryset=PPEItem.objects.all(), many=True,
                                                      allow_empty=False)
    check_type = serializers.ChoiceField(choices=CheckType.choices)
    status = serializers.ChoiceField(choices=ComplianceStatus.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000)

    def get_fields(self):
        fields = super().get_fields()
        relation = fields["ppe_item_ids"].child_relation
        relation.queryset = scope_choices(relation.queryset, organization=self.context.get("organization"))
        return fields

    def validate_ppe_item_ids(self, items):
        if len(items) > MAX_BULK:
            raise serializers.ValidationError(_("At most %(n)s items at once.") % {"n": MAX_BULK})
        unique = list({item.pk: item for item in items}.values())
        return unique


class PPEComplianceViewSet(ScopedModelViewSet):
    """Checks are a log: list, create, retrieve (no edit). ``non-compliant/``,
    ``compliance-rate/`` (cached 30 min, dropped by any new check) and ``bulk-check/``."""

    resource, model = "ppecompliancerecord", PPEComplianceRecord
    serializer_class = PPEComplianceRecordSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    action_policy = {"restore": "delete", "bulk_check": "add", "compliance_rate": "view", "non_compliant": "view"}
    filterset_fields = {"ppe_item": ["exact"], "worker": ["exact"], "status": ["exact"], "check_type": ["exact"],
                        "is_compliant": ["exact"], "ppe_item__enterprise": ["exact"],
                        "checked_at": ["gte", "lte"]}
    search_fields = ["ppe_item__serial_number", "notes"]
    ordering_fields = ["checked_at", "created_at"]

    def get_queryset(self):
        return super().get_queryset().select_related("ppe_item")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = ppe_services.ppe_check_record(
            item=data["ppe_item"], check_type=data["check_type"], status=data.get("status"), user=self.request.user,
            notes=data.get("notes", ""), action_taken=data.get("action_taken", ""), checked_at=data.get("checked_at"))

    @action(detail=False, methods=["get"], url_path="non-compliant")
    def non_compliant(self, request):
        """Every check that was not compliant (non-compliant, expired, damaged, lost, replaced)."""
        queryset = self.filter_queryset(self.get_queryset()).filter(is_compliant=False)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @action(detail=False, methods=["get"], url_path="compliance-rate")
    def compliance_rate(self, request):
        """``{"compliance_rate", "compliant", "total", "target": 95, "meets_target"}`` for the
        organization or ``?enterprise_id=<uuid>`` (another organization's: 404)."""
        enterprise_id = request.query_params.get("enterprise_id") or None
        if enterprise_id:
            field = serializers.UUIDField()
            try:
                enterprise_id = field.to_internal_value(enterprise_id)
            except serializers.ValidationError as exc:
                raise serializers.ValidationError({"enterprise_id": exc.detail}) from None
            get_object_or_404(Enterprise.objects.for_organization(self.organization), pk=enterprise_id)
        key = (f"ohms_health:ppe-rate:{self.organization.pk}:{ppe_services.generation(self.organization.pk)}:"
               f"{enterprise_id or 'all'}")
        data = cache.get(key)
        if data is None:
            data = ppe_services.compliance_rate(self.organization, enterprise_id=enterprise_id).as_dict()
            cache.set(key, data, RATE_CACHE_SECONDS)
        return Response(data)

    @action(detail=False, methods=["post"], url_path="bulk-check")
    def bulk_check(self, request):
        """``{"ppe_item_ids": [...], "check_type": "routine", "status"?: ...}``: one record per
        item in one transaction; an id that is not one of this organization's items is a 400
        and nothing is created."""
        payload = BulkCheckSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        records = ppe_services.ppe_bulk_check(items=data["ppe_item_ids"], check_type=data["check_type"],
                                              status=data.get("status"), user=request.user,
                                              notes=data.get("notes", ""))
        return Response({"created": len(records), "results": self.get_serializer(records, many=True).data},
                        status=status.HTTP_201_CREATED)
