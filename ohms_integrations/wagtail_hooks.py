"""Admin registration of the integrations add-on: one "Integrations" menu group."""
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from .admin_views.webhooks import WebhookDeliveryViewSet, WebhookEndpointViewSet
from .admin_views.webhooks import admin_urls as webhook_admin_urls
from .manifest import MANIFEST


class IntegrationsViewSetGroup(ViewSetGroup):
    menu_label = _("Integrations")
    menu_icon = "link-external"
    menu_order = MANIFEST.menu_order  # the manifest orders the admin menu
    items = (WebhookEndpointViewSet, WebhookDeliveryViewSet)


@hooks.register("register_admin_viewset")
def register_integrations_viewsets():
    return IntegrationsViewSetGroup()


@hooks.register("register_admin_urls")
def register_webhook_admin_urls():
    return webhook_admin_urls()
