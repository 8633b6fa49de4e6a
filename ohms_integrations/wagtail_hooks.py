"""Admin registration of the integrations add-on: one "Integrations" menu group."""
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup

from ohms_core import permissions as policy
from ohms_core.context import get_context

from .admin_views.sync_conflicts import (
    sync_conflict_detail,
    sync_conflict_list,
    sync_conflict_resolve,
)
from .manifest import MANIFEST


class SyncConflictsMenuItem(MenuItem):
    def is_shown(self, request):
        return bool(policy.check(user=request.user, role=get_context().role, resource="syncconflict", action="view"))


class SyncConflictsMenuEntry(ViewSet):
    """The offline-sync conflicts (a custom screen, URLs below)."""

    menu_label, icon = _("Sync conflicts"), "warning"

    @property
    def menu_url(self):
        return reverse("ohms_integrations_sync_conflicts")

    def get_menu_item(self, order=None):
        return SyncConflictsMenuItem(self.menu_label, self.menu_url, name=self.name, icon_name=self.icon,
                                     order=self.get_menu_item_order(order))


class IntegrationsViewSetGroup(ViewSetGroup):
    menu_label = _("Integrations")
    menu_icon = "link"
    menu_order = MANIFEST.menu_order
    items = (SyncConflictsMenuEntry("integrations_sync_conflicts_menu"),)


@hooks.register("register_admin_urls")
def register_sync_conflict_urls():
    return [path("integrations/sync-conflicts/", sync_conflict_list, name="ohms_integrations_sync_conflicts"),
            path("integrations/sync-conflicts/<uuid:pk>/", sync_conflict_detail, name="ohms_integrations_sync_conflict"),
            path("integrations/sync-conflicts/<uuid:pk>/resolve/", sync_conflict_resolve,
                 name="ohms_integrations_sync_conflict_resolve")]


@hooks.register("register_admin_viewset")
def register_integrations_viewsets():
    return IntegrationsViewSetGroup()
