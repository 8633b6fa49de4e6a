"""Routes of /api/v1/integrations/ (DECISIONS 2): webhooks and their deliveries, the event
catalogue, and the offline-sync conflicts."""
from django.urls import path
from rest_framework.routers import DefaultRouter

from .sync_conflicts import SyncConflictViewSet
from .webhooks import EventTypeListView, WebhookDeliveryViewSet, WebhookEndpointViewSet

router = DefaultRouter()
router.register("webhooks", WebhookEndpointViewSet, basename="webhookendpoint")
router.register("deliveries", WebhookDeliveryViewSet, basename="webhookdelivery")
router.register("sync-conflicts", SyncConflictViewSet, basename="syncconflict")
urlpatterns = [
    path("event-types/", EventTypeListView.as_view(), name="event-types"),
    *router.urls,
]
