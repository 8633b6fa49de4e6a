"""Admin registration of the core add-on: the Organization and System menu groups, the
dashboard panel, the notification bell and inbox, jobs, About, organization switcher."""
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSetGroup

from . import library  # noqa: F401 - closes Wagtail's own document/image libraries
from .admin_views import notifications as inbox
from .admin_views import system
from .admin_views.chooser import document_chooser_viewset
from .admin_views.core import (
    CoreViewSetGroup,
    OrganizationPanel,
    invitation_answer,
    switch_organization,
)
from .admin_views.workflow import transition_view
from .context import get_context


class SystemViewSetGroup(ViewSetGroup):
    menu_label = _("System")
    menu_icon = "cogs"
    menu_order = 9000
    items = (system.NotificationRuleViewSet, system.EventViewSet, system.TransitionLogViewSet)


@hooks.register("register_admin_viewset")
def register_core_viewsets():
    return [CoreViewSetGroup(), SystemViewSetGroup(), document_chooser_viewset]


@hooks.register("construct_homepage_panels")
def add_organization_panel(request, panels):
    panels.insert(0, OrganizationPanel(request))


@hooks.register("register_admin_urls")
def register_core_urls():
    return [
        path("ohms/switch-organization/", switch_organization, name="ohms_switch_organization"),
        path("ohms/invitations/<uuid:pk>/<str:answer>/", invitation_answer, name="ohms_invitation_answer"),
        path("ohms/transition/<int:content_type_id>/<uuid:pk>/<slug:name>/", transition_view, name="ohms_transition"),
        path("ohms/notifications/", inbox.inbox, name="ohms_notifications"),
        path("ohms/notifications/count/", inbox.unread_count_json, name="ohms_notifications_count"),
        path("ohms/notifications/mark-all-read/", inbox.mark_all_read, name="ohms_notifications_mark_all_read"),
        path("ohms/notifications/preferences/", inbox.set_email_preference, name="ohms_notifications_preferences"),
        path("ohms/notifications/<uuid:pk>/", inbox.open_notification, name="ohms_notification_open"),
        path("ohms/notifications/<uuid:pk>/read/", inbox.mark_read, name="ohms_notification_mark_read"),
        path("ohms/jobs/", system.jobs_index, name="ohms_jobs"),
        path("ohms/jobs/<slug:name>/run/", system.job_run_now, name="ohms_job_run_now"),
        path("ohms/about/", system.about, name="ohms_about"),
    ]


class NotificationsMenuItem(MenuItem):
    """Sidebar entry whose label carries the unread count."""

    def render_component(self, request):
        """A fresh component per request: the menu item itself is shared by all users."""
        from wagtail.admin.ui.sidebar import LinkMenuItem as LinkMenuItemComponent

        from .services.notifications import unread_count

        count = unread_count(request.user)
        label = _("Notifications (%(n)s)") % {"n": inbox.badge_text(count)} if count else _("Notifications")
        return LinkMenuItemComponent(self.name, label, self.url, icon_name=self.icon_name,
                                     classname=self.classname, attrs=self.attrs)


class AdminOnlyMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser or get_context().is_admin()


@hooks.register("register_admin_menu_item")
def notifications_menu_item():
    return NotificationsMenuItem(_("Notifications"), reverse("ohms_notifications"), name="ohms-notifications",
                                 icon_name="mail", order=50)


@hooks.register("register_admin_menu_item")
def jobs_menu_item():
    return AdminOnlyMenuItem(_("Jobs"), reverse("ohms_jobs"), name="ohms-jobs", icon_name="time", order=9100)


@hooks.register("register_admin_menu_item")
def about_menu_item():
    return MenuItem(_("About OHMS"), reverse("ohms_about"), name="ohms-about", icon_name="help", order=9200)


@hooks.register("insert_global_admin_css")
def ohms_admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("ohms/admin.css"))


@hooks.register("insert_global_admin_js")
def ohms_bell_js():
    return format_html(
        '<script src="{}" data-count-url="{}" data-inbox-url="{}" data-label="{}" defer></script>',
        static("ohms/bell.js"), reverse("ohms_notifications_count"), reverse("ohms_notifications"), _("Unread notifications"),
    )
