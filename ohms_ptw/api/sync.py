"""``POST /api/v1/ptw/sync-offline-data/`` (SPEC 5.1): a device sends the changes it queued
offline and gets, for each, ``applied``, ``conflicts`` or ``rejected``.

Thin: check the envelope, translate the old payload, call ``ohms_core.sync.sync_run``
(the engine; PTW's entity rules are in ``ohms_ptw/sync.py``). Throttled per user and
device (``ptw_sync``), timed and logged with the three counts (``ptw.sync``), never the
body. Permits outside the caller's projects or organization come back as
``permission_denied`` (the same answer as for a permit that does not exist).
"""
from __future__ import annotations

import hashlib
import json

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ohms_core import permissions as policy
from ohms_core import sync as core_sync
from ohms_core.api.views import TenantScopedMixin
from ohms_core.context import get_context

from ..observability import time_endpoint
from ..services.offline import DEVICE_HEADER
from ..throttles import PTWSyncThrottle

#: Old payload ``{offline_data: [{type, data}]}`` -> (entity, op).
LEGACY_TYPES = {"permit": ("permit", None), "approval": ("permit", "approval"), "photo": ("permit_photo", "append"),
                "signature": ("permit", "sign")}


class CanSync(BasePermission):
    """Any member who may read permits may send changes; each change is then checked
    against the role and the permit (``ohms_ptw/sync.py``)."""

    message = _("Your role may not use the permit-to-work sync.")

    def has_permission(self, request, view):
        return policy.check(user=request.user, role=get_context().role, resource="permit", action=policy.VIEW).allowed


class SyncRequestSerializer(serializers.Serializer):
    device_id = serializers.CharField(max_length=100, required=False, allow_blank=False)
    client_time = serializers.DateTimeField(required=False, allow_null=True)
    changes = serializers.ListField(child=serializers.DictField(), required=False, max_length=core_sync.MAX_CHANGES)
    offline_data = serializers.ListField(child=serializers.DictField(), required=False, max_length=core_sync.MAX_CHANGES)

    def validate(self, attrs):
        if "changes" not in attrs and "offline_data" not in attrs:
            raise serializers.ValidationError({"changes": [_("Send the queued changes (or the old offline_data).")]})
        if "changes" in attrs and not attrs.get("device_id"):
            raise serializers.ValidationError({"device_id": [_("This field is required.")]})
        return attrs


def _legacy_offline_id(item: dict) -> str:
    """The old payload had no offline id: one is derived from the item itself, so the
    same item sent twice is recognised as a repeat."""
    digest = hashlib.sha256(json.dumps(item, sort_keys=True, default=str).encode()).hexdigest()
    return f"legacy-{digest[:40]}"


def legacy_changes(items: list[dict]) -> list[dict]:
    """``[{type, data}]`` -> SPEC 5.1 changes. ``permit`` with an ``id`` updates (its
    ``version`` is the client version), without one creates; ``approval`` decides the
    pending step; ``photo`` appends; ``signature`` signs."""
    changes = []
    for item in items:
        kind, data = item.get("type"), item.get("data") if isinstance(item.get("data"), dict) else {}
        entity, op = LEGACY_TYPES.get(kind, (str(kind or ""), "unknown"))
        offline_id = str(data.get("offline_id") or _legacy_offline_id(item))
        permit_id = data.get("permit_id") or data.get("permit")
        change = {"entity": entity, "offline_id": offline_id, "data": data}
        if kind == "permit":
            server_id = data.get("id") or data.get("server_id")
            change.update(op="update" if server_id else "create", server_id=server_id,
                          client_version=data.get("version"))
        else:
            change.update(op=op, server_id=permit_id if entity == "permit" else None, permit_id=permit_id)
        changes.append({k: v for k, v in change.items() if v is not None})
    return changes





@extend_schema(request=SyncRequestSerializer, responses=inline_serializer("PTWSyncResponse", {
    "applied": serializers.ListField(child=serializers.DictField()),
    "conflicts": serializers.ListField(child=serializers.DictField()),
    "rejected": serializers.ListField(child=serializers.DictField())}))
class SyncOfflineDataView(TenantScopedMixin, APIView):
    permission_classes = [IsAuthenticated, CanSync]
    resource = "permit"

    def get_throttles(self):
        return [*super().get_throttles(), PTWSyncThrottle()]

    @time_endpoint("sync")
    def post(self, request):
        payload = SyncRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        device_id = data.get("device_id") or request.headers.get(DEVICE_HEADER, "")
        changes = data["changes"] if "changes" in data else legacy_changes(data["offline_data"])
        result = core_sync.sync_run(user=request.user, organization=self.organization, device_id=device_id,
                                    changes=changes, role=self.role)
        self.log_fields = {"applied_count": len(result["applied"]), "conflict_count": len(result["conflicts"]),
                           "rejected_count": len(result["rejected"])}
        return Response(result)
