"""Admin screens for webhooks (Integrations menu group): endpoints, the delivery ledger, and
the actions Send test / Rotate secret / Redeliver. Every write calls ``services.webhooks``;
every lookup is scoped (another organization's object is a 404), every action needs the
"change" right on webhook endpoints (organization admins)."""
from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import BooleanColumn, DateColumn

from ohms_core import permissions as policy
from ohms_core.admin_views.columns import Column
from ohms_core.admin_views.forms import ScopedAdminForm
from ohms_core.admin_views.viewsets import ScopedIndexView, ScopedModelViewSet, form_data, scoped
from ohms_core.context import get_context

from ..models.webhooks import ALL_EVENTS, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from ..selectors.webhooks import event_catalogue
from ..services import webhooks as services


def event_choices():
    return [(ALL_EVENTS, _("Every event type, present and future (*)"))] + [
        (row["type"], f'{row["type"]} — {row["label"]}') for row in event_catalogue()]


class WebhookEndpointForm(ScopedAdminForm):
    events = forms.MultipleChoiceField(label=_("Event types"), required=False, widget=forms.CheckboxSelectMultiple,
                                       help_text=_("Choose from the catalogue, or “*” for every event type."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = event_choices()


class ActionsColumn(Column):
    """Links to the endpoint's actions (each opens a confirmation page with a POST button)."""

    def get_value(self, instance):
        return format_html(
            '<a class="button button-small button-secondary" href="{}">{}</a> '
            '<a class="button button-small button-secondary" href="{}">{}</a> '
            '<a class="button button-small button-secondary" href="{}">{}</a>',
            reverse("ohms_integrations_webhook_test", args=[instance.pk]), _("Send test"),
            reverse("ohms_integrations_webhook_rotate", args=[instance.pk]), _("Rotate secret"),
            reverse("integrations_webhookdelivery:index") + f"?endpoint={instance.pk}", _("Deliveries"))


class RedeliverColumn(Column):
    def get_value(self, instance):
        if instance.event_id is None:
            return ""
        return format_html('<a class="button button-small button-secondary" href="{}">{}</a>',
                           reverse("ohms_integrations_delivery_redeliver", args=[instance.pk]), _("Redeliver"))


class WebhookEndpointViewSet(ScopedModelViewSet):
    model, resource, icon = WebhookEndpoint, "webhookendpoint", "link-external"
    menu_label = _("Webhooks")
    list_display = ["name", "url", "project", BooleanColumn("enabled", label=_("Enabled")),
                    Column("last_status_code", label=_("Last status")),
                    DateColumn("last_sent_at", label=_("Last sent")),
                    ActionsColumn("actions", label=_("Actions"))]
    list_filter = ["enabled", "project"]
    search_fields = ["name", "url"]
    base_form_class = WebhookEndpointForm
    panels = [FieldPanel("name"), FieldPanel("url"), FieldPanel("project"), FieldPanel("events"),
              FieldPanel("enabled")]
    inspect_view_fields = ["name", "url", "project", "events", "enabled", "disabled_reason", "last_status_code",
                           "last_error", "last_sent_at", "consecutive_failures"]

    def get_queryset(self, request):
        return WebhookEndpoint.objects.select_related("project")

    def create_object(self, form, request):
        endpoint, secret = services.endpoint_create(organization=get_context().organization, data=form_data(form),
                                                    user=request.user)
        messages.warning(request, format_html(
            '{} <code data-webhook-secret>{}</code>',
            _("Signing secret of “%(name)s” (shown once, copy it now):") % {"name": endpoint.name}, secret))
        return endpoint

    def update_object(self, instance, form, request):
        return services.endpoint_update(endpoint=instance, data=form_data(form), user=request.user)

    def delete_object(self, instance, request):
        if not self.permission_policy.user_has_permission_for_instance(request.user, "delete", instance):
            raise PermissionDenied
        services.endpoint_delete(endpoint=instance, user=request.user)


class DeliveryIndexView(ScopedIndexView):
    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        endpoint = self.request.GET.get("endpoint")
        if endpoint:
            try:
                queryset = queryset.filter(endpoint_id=uuid.UUID(endpoint))
            except ValueError:  # a malformed id filters to nothing, never a 500
                queryset = queryset.none()
        return queryset


class WebhookDeliveryViewSet(ScopedModelViewSet):
    """The ledger (read-only): one row per (endpoint, event), its attempts on the detail page."""

    model, resource, icon = WebhookDelivery, "webhookdelivery", "list-ul"
    menu_label = _("Webhook deliveries")
    index_view_class = DeliveryIndexView
    list_display = [DateColumn("created_at", label=_("Time")), "endpoint", "event_type", "webhook_id",
                    Column("status", label=_("Status"), accessor="get_status_display"),
                    Column("attempts", label=_("Attempts")), Column("last_status_code", label=_("Last status")),
                    DateColumn("next_attempt_at", label=_("Next attempt")),
                    RedeliverColumn("redeliver", label=_("Redeliver"))]
    list_filter = ["status", "last_status_code", "event_type"]
    search_fields = ["webhook_id", "event_type"]
    inspect_view_fields = ["created_at", "endpoint", "event_type", "webhook_id", "status", "attempts",
                           "next_attempt_at", "last_status_code", "last_error", "payload"]
    form_fields = ["event_type"]
    ordering = ["-created_at"]

    def get_queryset(self, request):
        return WebhookDelivery.objects.select_related("endpoint").filter(endpoint__is_deleted=False)


# --- actions --------------------------------------------------------------------------------
def _require_manager(request):
    if not policy.check(user=request.user, role=get_context().role, resource="webhookendpoint", action="change"):
        raise PermissionDenied


def _scoped_get(model, pk, request):
    _require_manager(request)
    queryset = scoped(model.objects.all())
    if model is WebhookDelivery:
        queryset = queryset.filter(endpoint__is_deleted=False).select_related("endpoint")
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def _confirm(request, *, title, message, button, back, secret=None, status=200):
    return render(request, "ohms_integrations/webhooks_confirm.html", {
        "title": title, "message": message, "button": button, "back": back, "secret": secret}, status=status)


def endpoint_send_test(request, pk):
    endpoint = _scoped_get(WebhookEndpoint, pk, request)
    back = reverse("integrations_webhookendpoint:index")
    if request.method != "POST":
        return _confirm(request, title=_("Send a test event"), button=_("Send test"), back=back,
                        message=_("A signed “webhook.test” event is sent now to %(url)s.") % {"url": endpoint.url})
    attempt = services.endpoint_send_test(endpoint=endpoint, user=request.user)
    if attempt.succeeded:
        messages.success(request, _("Test delivered: the receiver answered HTTP %(code)s in %(ms)s ms.") % {
            "code": attempt.status_code, "ms": attempt.duration_ms})
    else:
        messages.error(request, _("Test failed: %(error)s") % {"error": attempt.error or attempt.status_code})
    return redirect(reverse("integrations_webhookdelivery:index") + f"?endpoint={endpoint.pk}")


def endpoint_rotate_secret(request, pk):
    endpoint = _scoped_get(WebhookEndpoint, pk, request)
    back = reverse("integrations_webhookendpoint:index")
    if request.method != "POST":
        return _confirm(request, title=_("Rotate the signing secret"), button=_("Rotate secret"), back=back,
                        message=_("A new secret is made and shown once. The current one keeps signing (next to "
                                  "the new one) for %(hours)s hours, so receivers can switch without losing "
                                  "events.") % {"hours": services.rotation_hours()})
    secret, valid_until = services.endpoint_rotate_secret(endpoint=endpoint, user=request.user)
    return _confirm(request, title=_("New signing secret"), button=None, back=back, secret=secret,
                    message=_("Copy the new secret of “%(name)s” now: it is not shown again. The previous secret "
                              "stays valid until %(until)s.") % {"name": endpoint.name,
                                                                 "until": valid_until.strftime("%Y-%m-%d %H:%M UTC")})


def delivery_redeliver(request, pk):
    delivery = _scoped_get(WebhookDelivery, pk, request)
    back = reverse("integrations_webhookdelivery:index")
    if delivery.event_id is None:
        raise Http404  # test pings are not redelivered
    if request.method != "POST":
        return _confirm(request, title=_("Redeliver"), button=_("Redeliver"), back=back,
                        message=_("The event %(type)s is sent again to %(url)s with the same webhook-id "
                                  "(%(id)s).") % {"type": delivery.event_type, "url": delivery.endpoint.url,
                                                  "id": delivery.webhook_id})
    attempt = services.delivery_redeliver(delivery=delivery, user=request.user)
    if attempt.succeeded:
        messages.success(request, _("Redelivered: HTTP %(code)s.") % {"code": attempt.status_code})
    else:
        messages.error(request, _("Redelivery failed: %(error)s") % {"error": attempt.error or attempt.status_code})
    return redirect(back)


def admin_urls():
    return [
        path("integrations/webhook-endpoints/<uuid:pk>/send-test/", endpoint_send_test,
             name="ohms_integrations_webhook_test"),
        path("integrations/webhook-endpoints/<uuid:pk>/rotate-secret/", endpoint_rotate_secret,
             name="ohms_integrations_webhook_rotate"),
        path("integrations/webhook-deliveries/<uuid:pk>/redeliver/", delivery_redeliver,
             name="ohms_integrations_delivery_redeliver"),
    ]


__all__ = ["DeliveryStatus", "WebhookDeliveryViewSet", "WebhookEndpointViewSet", "admin_urls"]
