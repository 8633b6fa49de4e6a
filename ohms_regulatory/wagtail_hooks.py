"""Admin registration of the regulatory add-on: one "Regulatory" menu group.

The compliance dashboard first, then the CNSS and DRC declarations and the statutory delays
(``admin_views/dashboard.py``, ``admin_views/reports.py``), quality audits, and the ESG
screens (``admin_views/esg.py``, ``viewsets/``).
"""
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from ohms_core.admin_views.menu import ScreenMenuEntry

from .admin_views import dashboard as reports_dashboard
from .admin_views import esg as esg_views
from .admin_views import policies as policy_views
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
        ScreenMenuEntry("regulatory_policy_reports_menu", label=_("Policies: who has read"),
                        url_name="ohms_policy_list", icon="doc-full", resource="policyreport"),
    )


@hooks.register("register_admin_viewset")
def register_regulatory_viewsets():
    return RegulatoryViewSetGroup()


# --- policy pages (DECISIONS 13) -------------------------------------------------------------
@hooks.register("construct_homepage_panels")
def add_policies_to_read_panel(request, panels):
    panels.append(policy_views.PoliciesToReadPanel(request))


@hooks.register("construct_homepage_summary_items")
def drop_cross_tenant_page_count(request, summary_items):
    """Wagtail's "N Pages" counts every page under the common ancestor of the user's pages
    (the root, once there is a policy tree per language): other organizations' included."""
    if request.user.is_superuser:
        return
    from wagtail.admin.site_summary import PagesSummaryItem

    summary_items[:] = [item for item in summary_items if not isinstance(item, PagesSummaryItem)]


@hooks.register("construct_explorer_page_queryset")
def hide_other_organizations_policies_in_explorer(parent_page, pages, request):
    """Another organization's policy tree never shows in the explorer (nor its search)."""
    from .policy_selectors import pages_hidden_from

    return pages.exclude(pk__in=pages_hidden_from(request.user).values("pk"))


@hooks.register("construct_page_chooser_queryset")
def hide_other_organizations_policies_in_chooser(pages, request):
    from .policy_selectors import pages_hidden_from

    return pages.exclude(pk__in=pages_hidden_from(request.user).values("pk"))


@hooks.register("register_admin_urls")
def register_policy_urls():
    return [
        path("regulatory/policies/", policy_views.policy_list, name="ohms_policy_list"),
        path("regulatory/policies/<int:pk>/report/", policy_views.policy_report, name="ohms_policy_report"),
        path("regulatory/policies/<int:pk>/report.xlsx", policy_views.policy_report_xlsx, name="ohms_policy_report_xlsx"),
        path("regulatory/policies/<int:pk>/translate/<slug:language>/", policy_views.policy_translate,
             name="ohms_policy_translate"),
    ]


@hooks.register("register_page_header_buttons")
def policy_page_buttons(page, user, view_name=None, next_url=None):
    """On a policy's screens: its who-has-read report (with "create the other language")."""
    from wagtail.admin.widgets import Button

    from .models import PolicyPage

    if page.specific_class is not PolicyPage:
        return []
    return [Button(_("Who has read"), reverse("ohms_policy_report", args=[page.pk]), icon_name="list-ul", priority=60)]
