"""Admin registration of the regulatory add-on: one "Regulatory" menu group.

The compliance dashboard first, then the CNSS and DRC declarations and the statutory delays
(``admin_views/dashboard.py``, ``admin_views/reports.py``), quality audits, and the ESG
screens (``admin_views/esg.py``, ``viewsets/``).
"""
from django.templatetags.static import static
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from ohms_core.admin_views.menu import ScreenMenuEntry

from .admin_views import dashboard as reports_dashboard
from .admin_views import esg as esg_views
from .admin_views import reports as reports_admin
from .manifest import MANIFEST
from .viewsets import audits as audit_viewsets
from .viewsets import esg as esg_viewsets


@hooks.register("insert_global_admin_css")
def regulatory_admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("ohms_regulatory/regulatory.css"))


@hooks.register("register_admin_urls")
def register_regulatory_urls():
    return [
        path("regulatory/dashboard/", reports_dashboard.compliance_dashboard, name="ohms_regulatory_dashboard"),
        path("regulatory/dashboard/bulk/", reports_dashboard.compliance_bulk, name="ohms_regulatory_dashboard_bulk"),
        path("regulatory/esg/", esg_views.esg_dashboard, name="ohms_regulatory_esg"),
    ]


class RegulatoryViewSetGroup(ViewSetGroup):
    menu_label = _("Regulatory")
    menu_icon = "doc-full-inverse"
    menu_order = MANIFEST.menu_order
    items = (
        ScreenMenuEntry("regulatory_dashboard_menu", label=_("Compliance dashboard"),
                        url_name="ohms_regulatory_dashboard", icon="view", resource="cnssreport"),
        reports_admin.CNSSReportViewSet,
        reports_admin.DRCReportViewSet,
        reports_admin.RegulatorySettingsViewSet,
        audit_viewsets.QualityAuditViewSet,
        audit_viewsets.AuditFindingViewSet,
        ScreenMenuEntry("regulatory_esg_menu", label=_("ESG dashboard"), url_name="ohms_regulatory_esg",
                        icon="pick", resource="activitydata"),
        esg_viewsets.ActivityDataViewSet,
        esg_viewsets.EmissionFactorViewSet,
        esg_viewsets.SustainabilityGoalViewSet,
    )


@hooks.register("register_admin_viewset")
def register_regulatory_viewsets():
    return RegulatoryViewSetGroup()
