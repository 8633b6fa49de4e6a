"""REST for webhooks (SPEC 5.2 / issue 10), organization admins only:

- ``/api/v1/integrations/webhooks/`` CRUD; the secret is in the create response only;
- ``webhooks/{id}/test/``, ``webhooks/{id}/rotate_secret/``, ``webhooks/{id}/deliveries/``;
- ``/api/v1/integrations/deliveries/`` (the ledger, read) and ``deliveries/{id}/redeliver/``;
- ``/api/v1/integrations/event-types/``: the catalogue of every installed add-on's events.

Thin: validation in serializers, every write in ``services.webhooks``.
"""
from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ohms_core.api.serializers import BASE_READ_ONLY, ScopedModelSerializer
from ohms_core.api.views import ScopedModelViewSet, TenantScopedMixin, expected_version

from ..models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from ..selectors.webhooks import event_catalogue
from ..services import webhooks as services


class WebhookEndpointSerializer(ScopedModelSerializer):
    events = serializers.ListField(child=serializers.CharField(max_length=100), allow_empty=True, required=False)

    class Meta:
        model = WebhookEndpoint
        fields = ("id", "version", "created_at", "updated_at", "name", "project", "url", "events", "enabled",
                  "disabled_reason", "last_status_code", "last_error", "last_sent_at", "consecutive_failures")
        read_only_fields = (*BASE_READ_ONLY, "disabled_reason", "last_status_code", "last_error", "last_sent_at",
                            "consecutive_failures")


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ("id", "number", "manual", "status_code", "succeeded", "duration_ms", "error", "at")
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    attempt_log = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ("id", "endpoint", "event", "event_type", "webhook_id", "status", "attempts", "next_attempt_at",
                  "last_status_code", "last_error", "created_at", "payload", "attempt_log")
        read_only_fields = fields


class RotatedSecretSerializer(serializers.Serializer):
    secret = serializers.CharField()
    previous_secret_valid_until = serializers.DateTimeField()


class WebhookEndpointViewSet(ScopedModelViewSet):
    resource, model = "webhookendpoint", WebhookEndpoint
    serializer_class = WebhookEndpointSerializer
    filterset_fields = ["enabled", "project"]
    search_fields = ["name", "url"]
    ordering_fields = ["name", "created_at", "last_sent_at"]
    action_policy = {"test": "change", "rotate_secret": "change", "deliveries": "view", "restore": "delete"}

    def perform_create(self, serializer):
        endpoint, secret = services.endpoint_create(organization=self.organization,
                                                    data=dict(serializer.validated_data), user=self.request.user)
        serializer.instance = endpoint
        self._secret = secret

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        response.data["secret"] = self._secret  # shown this once; never again
        return response

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = services.endpoint_update(endpoint=serializer.instance, data=data,
                                                       expected_version=expected_version(self.request),
                                                       user=self.request.user)

    def perform_destroy(self, instance):
        services.endpoint_delete(endpoint=instance, expected_version=expected_version(self.request),
                                 user=self.request.user)

    @extend_schema(request=None, responses=WebhookAttemptSerializer)
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Send a signed ``webhook.test`` event now; answers the attempt (status code, duration, error)."""
        attempt = services.endpoint_send_test(endpoint=self.get_object(), user=request.user)
        return Response(WebhookAttemptSerializer(attempt).data, status=status.HTTP_200_OK)

    @extend_schema(request=None, responses=RotatedSecretSerializer)
    @action(detail=True, methods=["post"])
    def rotate_secret(self, request, pk=None):
        """A new secret, returned once; the previous one stays valid for OHMS_WEBHOOK_ROTATION_HOURS."""
        secret, valid_until = services.endpoint_rotate_secret(endpoint=self.get_object(), user=request.user)
        return Response({"secret": secret, "previous_secret_valid_until": valid_until}, status=status.HTTP_200_OK)

    @extend_schema(responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """The endpoint's delivery ledger, newest first, paginated."""
        endpoint = self.get_object()
        queryset = delivery_queryset(WebhookDelivery.objects.filter(endpoint=endpoint))
        status_filter = request.query_params.get("status")
        if status_filter:
            queryset = queryset.filter(status=status_filter)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


def delivery_queryset(queryset):
    return queryset.select_related("endpoint").prefetch_related(
        Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("-at", "-id")))


class WebhookDeliveryViewSet(TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                             viewsets.GenericViewSet):
    """The delivery ledger of the organization; ``redeliver`` sends a delivery again (same ``webhook-id``)."""

    resource, model = "webhookdelivery", WebhookDelivery
    serializer_class = WebhookDeliverySerializer
    filterset_fields = ["status", "endpoint", "event_type", "last_status_code"]
    ordering_fields = ["created_at", "next_attempt_at"]
    action_policy = {"redeliver": "change"}

    def get_base_queryset(self):
        return delivery_queryset(WebhookDelivery.objects.filter(endpoint__is_deleted=False))

    @extend_schema(request=None, responses=WebhookAttemptSerializer)
    @action(detail=True, methods=["post"])
    def redeliver(self, request, pk=None):
        attempt = services.delivery_redeliver(delivery=self.get_object(), user=request.user)
        return Response(WebhookAttemptSerializer(attempt).data, status=status.HTTP_200_OK)


class EventTypeSerializer(serializers.Serializer):
    type = serializers.CharField()
    addon = serializers.CharField()
    addon_label = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    example = serializers.JSONField()


class EventTypeCatalogueSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = EventTypeSerializer(many=True)


class EventTypeListView(TenantScopedMixin, APIView):
    """The event catalogue: every event type of every installed add-on, with an example payload."""

    permission_classes = [IsAuthenticated]
    resource = None

    @extend_schema(responses=EventTypeCatalogueSerializer)
    def get(self, request):
        return Response({"count": len(catalogue := event_catalogue()), "results": catalogue})
