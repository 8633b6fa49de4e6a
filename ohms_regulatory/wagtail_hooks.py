"""Admin registration of the regulatory add-on: one "Regulatory" menu group.

CNSS and DRC declarations (issue 12): the compliance dashboard first, then the two lists
and the statutory delays (``admin_views/dashboard.py``, ``admin_views/reports.py``).
"""
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup

from ohms_core import permissions as policy
from ohms_core.context import get_context

from .admin_views import dashboard as reports_dashboard
from .admin_views import reports as reports_admin
from .manifest import MANIFEST


class RegulatoryViewSetGroup(ViewSetGroup):
    menu_label = _("Regulatory")
    menu_icon = "doc-full"
    menu_order = MANIFEST.menu_order
    items = ()


@hooks.register("register_admin_viewset")
def register_regulatory_viewsets():
    return RegulatoryViewSetGroup()


# --- CNSS and DRC declarations ---------------------------------------------------------------

@hooks.register("register_admin_urls")
def register_compliance_dashboard_urls():
    return [
        path("regulatory/dashboard/", reports_dashboard.compliance_dashboard, name="ohms_regulatory_dashboard"),
        path("regulatory/dashboard/bulk/", reports_dashboard.compliance_bulk, name="ohms_regulatory_dashboard_bulk"),
    ]


class ComplianceDashboardMenuItem(MenuItem):
    """Shown to the roles that may view declarations."""

    def is_shown(self, request):
        return bool(policy.check(user=request.user, role=get_context().role, resource="cnssreport", action="view"))


class ComplianceDashboardMenuEntry(ViewSet):
    menu_label, icon = _("Compliance dashboard"), "view"

    @property
    def menu_url(self):
        return reverse("ohms_regulatory_dashboard")

    def get_menu_item(self, order=None):
        return ComplianceDashboardMenuItem(self.menu_label, self.menu_url, name=self.name, icon_name=self.icon,
                                           order=self.get_menu_item_order(order))


RegulatoryViewSetGroup.items = (*RegulatoryViewSetGroup.items,
                                ComplianceDashboardMenuEntry("regulatory_dashboard_menu"),
                                reports_admin.CNSSReportViewSet, reports_admin.DRCReportViewSet,
                                reports_admin.RegulatorySettingsViewSet)
