"""Admin registration of the permit-to-work add-on: one "Permit to work" menu group."""
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup

from ohms_core import permissions as policy
from ohms_core.context import get_context

from .admin_views.config import (
    CloseoutTemplateViewSet,
    IsolationPointViewSet,
    LotoProcedureViewSet,
    PermitTypeViewSet,
    RiskMatrixViewSet,
)
from .admin_views.dashboard import permit_dashboard
from .admin_views.escalations import EscalationRuleViewSet
from .admin_views.permits import PermitViewSet
from .admin_views.reports import PermitReportsMenuEntry, permit_reports, permit_reports_export
from .admin_views.task_console import task_console, task_decide
from .manifest import MANIFEST


class PermitToWorkViewSetGroup(ViewSetGroup):
    menu_label = _("Permit to work")
    menu_icon = "doc-full-inverse"
    menu_order = MANIFEST.menu_order  # the manifest orders the admin menu
    items = (PermitViewSet, PermitTypeViewSet, RiskMatrixViewSet, CloseoutTemplateViewSet, IsolationPointViewSet,
             LotoProcedureViewSet, EscalationRuleViewSet)


class PermitDashboardMenuItem(MenuItem):
    """Shown to the roles that may view permits."""

    def is_shown(self, request):
        return bool(policy.check(user=request.user, role=get_context().role, resource="permit", action="view"))


class PermitDashboardMenuEntry(ViewSet):
    """The KPI dashboard (a custom screen, URL below) first in the "Permit to work" group."""

    menu_label, icon = _("Dashboard"), "view"

    @property
    def menu_url(self):
        return reverse("ohms_ptw_dashboard")

    def get_menu_item(self, order=None):
        return PermitDashboardMenuItem(self.menu_label, self.menu_url, name=self.name, icon_name=self.icon,
                                       order=self.get_menu_item_order(order))


PermitToWorkViewSetGroup.items = (PermitDashboardMenuEntry("ptw_dashboard_menu"), *PermitToWorkViewSetGroup.items)
# The compliance Reports page (SPEC 4.5) right after the dashboard.
PermitToWorkViewSetGroup.items = (*PermitToWorkViewSetGroup.items[:1], PermitReportsMenuEntry("ptw_reports_menu"),
                                  *PermitToWorkViewSetGroup.items[1:])


class TaskConsoleMenuEntry(PermitDashboardMenuEntry):
    """SPEC 2.4 "My tasks" (a custom screen, URL below), at the top of the "Permit to work" group."""

    menu_label, icon = _("My tasks"), "tasks"

    @property
    def menu_url(self):
        return reverse("ohms_ptw_tasks")


PermitToWorkViewSetGroup.items = (TaskConsoleMenuEntry("ptw_tasks_menu"), *PermitToWorkViewSetGroup.items)


@hooks.register("register_admin_urls")
def register_ptw_task_console_urls():
    return [path("ptw/tasks/", task_console, name="ohms_ptw_tasks"),
            path("ptw/tasks/<uuid:pk>/decide/", task_decide, name="ohms_ptw_task_decide")]


@hooks.register("insert_global_admin_css")
def ptw_task_console_css():
    return format_html('<link rel="stylesheet" href="{}">', static("ohms_ptw/task_console.css"))


@hooks.register("register_admin_urls")
def register_ptw_dashboard_url():
    return [path("ptw/dashboard/", permit_dashboard, name="ohms_ptw_dashboard")]


@hooks.register("register_admin_urls")
def register_ptw_reports_urls():
    return [path("ptw/reports/", permit_reports, name="ohms_ptw_reports"),
            path("ptw/reports/export/", permit_reports_export, name="ohms_ptw_reports_export")]


@hooks.register("insert_global_admin_css")
def ptw_dashboard_css():
    return format_html('<link rel="stylesheet" href="{}">', static("ohms_ptw/dashboard.css"))


@hooks.register("register_admin_viewset")
def register_ptw_viewsets():
    return PermitToWorkViewSetGroup()


@hooks.register("insert_global_admin_css")
def ptw_admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("ohms_ptw/admin.css"))


@hooks.register("insert_global_admin_js")
def ptw_exports_js():
    return format_html('<script src="{}" defer></script>', static("ohms_ptw/exports.js"))
