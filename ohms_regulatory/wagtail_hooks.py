"""Admin registration of the regulatory add-on."""
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .admin_views import policies as policy_views


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


class PolicyReportMenuItem(MenuItem):
    def is_shown(self, request):
        return policy_views._may_report(request)


@hooks.register("register_admin_menu_item")
def policy_report_menu_item():
    return PolicyReportMenuItem(_("Policies: who has read"), reverse("ohms_policy_list"), name="ohms-policy-reports",
                                icon_name="doc-full", order=410)


@hooks.register("register_page_header_buttons")
def policy_page_buttons(page, user, view_name=None, next_url=None):
    """On a policy's screens: its who-has-read report (with "create the other language")."""
    from wagtail.admin.widgets import Button

    from .models import PolicyPage

    if page.specific_class is not PolicyPage:
        return []
    return [Button(_("Who has read"), reverse("ohms_policy_report", args=[page.pk]), icon_name="list-ul", priority=60)]
