"""``/api/v1/integrations/sync-conflicts/`` (SPEC 5.1 "Admin UI", DECISIONS 2 and 9).

The conflicts the offline sync kept (``ohms_core.models.SyncConflict``), scoped to the
caller's organization and projects; filters ``status``, ``device`` and ``entity``;
``POST {id}/resolve/ {"resolution": keep_server | keep_client | merge | discard}``
applies the choice through the entity's sync adapter (its add-on's services and gates)
and records it (history and audit row). Thin: the rules are in ``ohms_core.sync``.
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ohms_core import sync as core_sync
from ohms_core.api.views import TenantScopedMixin
from ohms_core.models import SyncConflict, SyncConflictStatus, SyncResolution


class SyncConflictFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=SyncConflictStatus.choices)
    device = filters.CharFilter(field_name="device_id")
    entity = filters.CharFilter(field_name="entity")

    class Meta:
        model = SyncConflict
        fields = ("status", "device", "entity")


class SyncConflictSerializer(serializers.ModelSerializer):
    resolutions = serializers.SerializerMethodField(help_text=_("The four resolutions, allowed or not and why."))

    class Meta:
        model = SyncConflict
        fields = ("id", "version", "created_at", "project", "device_id", "user", "entity", "op", "offline_id",
                  "server_id", "reference", "title", "reason", "client_version", "server_version", "fields",
                  "server_state", "detail", "status", "resolution", "resolved_by", "resolved_at", "resolutions")
        read_only_fields = fields

    def get_resolutions(self, obj) -> list[dict]:
        return core_sync.resolution_options(obj)


class SyncConflictResolveSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=SyncResolution.choices)
    version = serializers.IntegerField(required=False, min_value=1, max_value=2147483647)


class SyncConflictViewSet(TenantScopedMixin, viewsets.ReadOnlyModelViewSet):
    resource, model = "syncconflict", SyncConflict
    serializer_class = SyncConflictSerializer
    filterset_class = SyncConflictFilter
    action_policy = {"resolve": "change"}

    def get_base_queryset(self):
        return SyncConflict.objects.order_by("-created_at")

    @extend_schema(request=SyncConflictResolveSerializer, responses=SyncConflictSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        conflict = self.get_object()
        payload = SyncConflictResolveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        resolved = core_sync.conflict_resolve(conflict=conflict, resolution=payload.validated_data["resolution"],
                                              user=request.user, expected_version=payload.validated_data.get("version"))
        return Response(self.get_serializer(resolved).data)
