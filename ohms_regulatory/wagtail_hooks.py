"""Admin registration of the regulatory add-on: one "Regulatory" menu group."""
from django.templatetags.static import static
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from ohms_core.admin_views.menu import ScreenMenuEntry

from .admin_views import esg as esg_views
from .manifest import MANIFEST
from .viewsets import audits as audit_viewsets
from .viewsets import esg as esg_viewsets


@hooks.register("insert_global_admin_css")
def regulatory_admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("ohms_regulatory/regulatory.css"))


@hooks.register("register_admin_urls")
def register_regulatory_urls():
    return [
        path("regulatory/esg/", esg_views.esg_dashboard, name="ohms_regulatory_esg"),
    ]


class RegulatoryViewSetGroup(ViewSetGroup):
    menu_label = _("Regulatory")
    menu_icon = "doc-full-inverse"
    menu_order = MANIFEST.menu_order


RegulatoryViewSetGroup.items = (
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
