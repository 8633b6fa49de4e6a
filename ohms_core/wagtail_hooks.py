"""Admin registration of the core add-on: one menu group, dashboard panel, org switcher."""
from django.templatetags.static import static
from django.urls import path
from django.utils.html import format_html
from wagtail import hooks

from .admin_views.core import CoreViewSetGroup, OrganizationPanel, switch_organization


@hooks.register("register_admin_viewset")
def register_core_viewsets():
    return CoreViewSetGroup()


@hooks.register("construct_homepage_panels")
def add_organization_panel(request, panels):
    panels.insert(0, OrganizationPanel(request))


@hooks.register("register_admin_urls")
def register_core_urls():
    return [path("ohms/switch-organization/", switch_organization, name="ohms_switch_organization")]


@hooks.register("insert_global_admin_css")
def ohms_admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("ohms/admin.css"))
