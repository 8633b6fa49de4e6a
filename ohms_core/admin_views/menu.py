"""Menu entries for custom admin screens (dashboards, consoles, reports) that sit in an
add-on's menu group next to its model screens, shown only to the roles that may view the
screen's resource (``ohms_core.permissions``): a menu never offers a page that answers 403."""
from django.urls import reverse
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from .. import permissions as policy
from ..context import get_context


class RoleMenuItem(MenuItem):
    """A menu item shown to the roles that may view ``resource``."""

    def __init__(self, *args, resource, **kwargs):
        super().__init__(*args, **kwargs)
        self.resource = resource

    def is_shown(self, request):
        return bool(policy.check(user=request.user, role=get_context().role, resource=self.resource, action="view"))


class ScreenMenuEntry(ViewSet):
    """A custom screen (its URL registered by the add-on's ``register_admin_urls`` hook) listed
    in a ``ViewSetGroup``, shown to the roles that may view ``resource``."""

    def __init__(self, name, *, label, url_name, icon, resource):
        super().__init__(name)
        self.menu_label, self.icon, self.url_name, self.resource = label, icon, url_name, resource

    @property
    def menu_url(self):
        return reverse(self.url_name)

    def get_menu_item(self, order=None):
        return RoleMenuItem(self.menu_label, self.menu_url, name=self.name, icon_name=self.icon,
                            order=self.get_menu_item_order(order), resource=self.resource)
