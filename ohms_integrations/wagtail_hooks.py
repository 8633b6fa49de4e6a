"""Admin registration of the integrations add-on: one "Integrations" menu group (webhooks,
their delivery ledger, the offline-sync conflicts)."""
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from ohms_core.admin_views.menu import ScreenMenuEntry

from .admin_views.sync_conflicts import (
    sync_conflict_detail,
    sync_conflict_list,
    sync_conflict_resolve,
)
from .admin_views.webhooks import WebhookDeliveryViewSet, WebhookEndpointViewSet
from .admin_views.webhooks import admin_urls as webhook_admin_urls
from .manifest import MANIFEST


class IntegrationsViewSetGroup(ViewSetGroup):
    menu_label = _("Integrations")
    menu_icon = "link-external"
    menu_order = MANIFEST.menu_order  # the manifest orders the admin menu
    items = (
        WebhookEndpointViewSet,
        WebhookDeliveryViewSet,
        ScreenMenuEntry("integrations_sync_conflicts_menu", label=_("Sync conflicts"),
                        url_name="ohms_integrations_sync_conflicts", icon="warning", resource="syncconflict"),
    )


@hooks.register("register_admin_viewset")
def register_integrations_viewsets():
    return IntegrationsViewSetGroup()


@hooks.register("register_admin_urls")
def register_integrations_admin_urls():
    return [
        *webhook_admin_urls(),
        path("integrations/sync-conflicts/", sync_conflict_list, name="ohms_integrations_sync_conflicts"),
        path("integrations/sync-conflicts/<uuid:pk>/", sync_conflict_detail, name="ohms_integrations_sync_conflict"),
        path("integrations/sync-conflicts/<uuid:pk>/resolve/", sync_conflict_resolve,
             name="ohms_integrations_sync_conflict_resolve"),
    ]
