"""/api/v1/notifications/: the requesting user's own notifications."""
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from ..models import Notification
from ..services.notifications import notification_mark_read, notifications_mark_all_read
from ..services.notifications import unread_count as notifications_unread_count
from .idempotency import IdempotentMixin


class NotificationSerializer(serializers.ModelSerializer):
    metadata = serializers.JSONField(source="data", read_only=True)

    class Meta:
        model = Notification
        fields = ("id", "created_at", "is_read", "read_at", "event_type", "title", "message", "link", "metadata")
        read_only_fields = fields


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(method="filter_unread")
    date_from = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    date_to = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = Notification
        fields = ["event_type"]

    def filter_unread(self, queryset, name, value):
        return queryset.filter(is_read=not value)


class NotificationViewSet(IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Own notifications only; another user's notification is a 404."""

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = NotificationFilter
    ordering_fields = ["created_at"]
    search_fields = ["title", "message"]
    throttle_scope = "notifications"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return Notification.objects.filter(user=self.request.user).order_by("-created_at")

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def mark_read(self, request, pk=None):
        notification = notification_mark_read(notification=self.get_object(), user=request.user)
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=inline_serializer("MarkAllRead", {"marked": serializers.IntegerField(), "unread": serializers.IntegerField()}))
    @action(detail=False, methods=["post"])
    def mark_all_read(self, request):
        marked = notifications_mark_all_read(user=request.user)
        return Response({"marked": marked, "unread": notifications_unread_count(request.user)})

    @extend_schema(responses=inline_serializer("UnreadCount", {"unread": serializers.IntegerField()}))
    @action(detail=False, methods=["get"])
    def unread_count(self, request):
        return Response({"unread": notifications_unread_count(request.user)})
