from django.urls import path
from rest_framework.routers import DefaultRouter

from .webhooks import EventTypeListView, WebhookDeliveryViewSet, WebhookEndpointViewSet

router = DefaultRouter()
router.register("webhooks", WebhookEndpointViewSet, basename="webhookendpoint")
router.register("deliveries", WebhookDeliveryViewSet, basename="webhookdelivery")
urlpatterns = [
    path("event-types/", EventTypeListView.as_view(), name="event-types"),
    *router.urls,
]
