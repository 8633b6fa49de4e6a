"""Notification inbox, the bell, and "go to" click-through in the Wagtail admin."""
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import events as bus
from ..models import Notification, NotificationPreference
from ..services.notifications import (
    notification_mark_read,
    notifications_mark_all_read,
    unread_count,
)
from .redirects import redirect_next

PAGE_SIZE = 50


def badge_text(count: int) -> str:
    return "99+" if count > 99 else str(count)


def inbox(request):
    tab = "unread" if request.GET.get("tab") == "unread" else "all"
    queryset = Notification.objects.filter(user=request.user).order_by("-created_at")
    if tab == "unread":
        queryset = queryset.filter(is_read=False)
    from django.core.paginator import Paginator

    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("p"))
    for notification in page.object_list:
        registered = bus.event_type(notification.event_type)
        notification.event_label = registered.label if registered else notification.event_type
        notification.tone = notification.event_type.rsplit(".", 1)[-1]
    preference = NotificationPreference.objects.filter(user=request.user).first()
    return TemplateResponse(request, "ohms_core/notifications/inbox.html", {
        "page_obj": page, "tab": tab, "unread": unread_count(request.user),
        "email_enabled": preference.email_enabled if preference else True,
        "header_icon": "mail", "page_title": _("Notifications"),
    })


def open_notification(request, pk):
    """Mark read and go to the object's page."""
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    notification_mark_read(notification=notification, user=request.user)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("ohms_notifications")


@require_POST
def mark_read(request, pk):
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    notification_mark_read(notification=notification, user=request.user)
    return redirect_next(request, "ohms_notifications")


@require_POST
def mark_all_read(request):
    marked = notifications_mark_all_read(user=request.user)
    messages.success(request, _("%(n)s notifications marked as read.") % {"n": marked})
    return redirect_next(request, "ohms_notifications")


def unread_count_json(request):
    count = unread_count(request.user)
    return JsonResponse({"unread": count, "badge": badge_text(count)})


@require_POST
def set_email_preference(request):
    """The user's own choice: receive notifications by email too, or in-app only."""
    enabled = request.POST.get("email_enabled") == "on"
    NotificationPreference.objects.update_or_create(user=request.user, defaults={"email_enabled": enabled})
    messages.success(request, _("Email notifications on.") if enabled else _("Email notifications off."))
    return redirect("ohms_notifications")
