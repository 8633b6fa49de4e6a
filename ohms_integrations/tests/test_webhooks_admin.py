"""Admin screens of webhooks: create (secret once), send test, rotate, ledger, redeliver."""
from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from ohms_core import events, testing
from ohms_integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookSecret
from ohms_integrations.services import webhooks as services

from .test_webhooks import Receiver, emit, make_endpoint, verify

pytestmark = pytest.mark.django_db


def admin_client(user):
    client = Client()
    client.force_login(user)
    return client


@override_settings(OHMS_WEBHOOKS_ALLOW_PRIVATE=True)
def test_admin_create_shows_secret_once_then_test_rotate_redeliver(admin_a, org_a):
    client = admin_client(admin_a)
    with Receiver(script=[200, 500, 200]) as receiver:
        response = client.post(reverse("integrations_webhookendpoint:add"), {
            "name": "SAP", "url": receiver.url, "project": "", "events": ["*"], "enabled": "on"}, follow=True)
        assert response.status_code == 200
        html = response.content.decode()
        secret = re.search(r"data-webhook-secret>(whsec_[^<]+)<", html).group(1)
        endpoint = WebhookEndpoint.objects.get(name="SAP")
        assert WebhookSecret.objects.get(endpoint=endpoint).secret == secret and endpoint.events == ["*"]
        # Shown once: neither the list nor the edit page has it again.
        assert secret not in client.get(reverse("integrations_webhookendpoint:index")).content.decode()
        assert secret not in client.get(reverse("integrations_webhookendpoint:edit", args=[endpoint.pk])).content.decode()

        test_url = reverse("ohms_integrations_webhook_test", args=[endpoint.pk])
        assert client.get(test_url).status_code == 200
        assert receiver.requests == []  # GET only confirms
        response = client.post(test_url, follow=True)
        assert response.status_code == 200 and "HTTP 200" in response.content.decode()
        assert verify(secret, receiver.requests[0])["type"] == "webhook.test"

        rotate_url = reverse("ohms_integrations_webhook_rotate", args=[endpoint.pk])
        response = client.post(rotate_url)
        new_secret = re.search(r"data-webhook-secret>(whsec_[^<]+)<", response.content.decode()).group(1)
        assert new_secret != secret and WebhookSecret.objects.get(endpoint=endpoint).secret == new_secret

        events.dispatch(emit(org_a).pk)
        services.deliveries_send_due()  # 500
        delivery = WebhookDelivery.objects.exclude(event=None).get()
        ledger = client.get(reverse("integrations_webhookdelivery:index") + "?status=failed")
        assert ledger.status_code == 200 and delivery.webhook_id in ledger.content.decode()
        response = client.post(reverse("ohms_integrations_delivery_redeliver", args=[delivery.pk]), follow=True)
        assert response.status_code == 200
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 2
    assert receiver.requests[-1]["headers"]["webhook-id"] == delivery.webhook_id
    assert verify(new_secret, receiver.requests[-1])


def test_admin_refuses_private_url_with_a_form_error(admin_a):
    client = admin_client(admin_a)
    response = client.post(reverse("integrations_webhookendpoint:add"), {
        "name": "Meta", "url": "http://169.254.169.254/latest", "project": "", "events": ["*"], "enabled": "on"})
    assert response.status_code == 200 and WebhookEndpoint.objects.count() == 0
    assert "private, loopback" in response.content.decode()


def test_admin_actions_refuse_non_admins_and_other_organizations(org_a, org_b, admin_b):
    endpoint, secret = make_endpoint(org_a, "https://93.184.216.34/hook")
    manager = admin_client(testing.make_member(org_a, "safety_manager"))
    for name in ("ohms_integrations_webhook_test", "ohms_integrations_webhook_rotate"):
        assert manager.post(reverse(name, args=[endpoint.pk])).status_code in (302, 403)
        assert admin_client(admin_b).post(reverse(name, args=[endpoint.pk])).status_code == 404
    assert WebhookSecret.objects.get(endpoint=endpoint).secret == secret
    assert WebhookAttempt.objects.count() == 0


def test_admin_listings_query_counts_are_flat(admin_a, org_a, django_assert_max_num_queries):
    client = admin_client(admin_a)
    endpoint, _ = make_endpoint(org_a, "https://93.184.216.34/hook")

    def add(n):
        for i in range(n):
            WebhookDelivery.objects.create(organization=org_a, endpoint=endpoint, event_type="webhook.test",
                                           webhook_id=f"msg_{WebhookDelivery.objects.count()}_{i}", payload={})
            make_endpoint(org_a, "https://93.184.216.34/hook", name=f"E{WebhookEndpoint.objects.count()}")

    add(1)
    counts = {}
    for name in ("integrations_webhookdelivery:index", "integrations_webhookendpoint:index"):
        with django_assert_max_num_queries(60) as captured:
            assert client.get(reverse(name)).status_code == 200
        counts[name] = len(captured.captured_queries)
    add(10)
    for name, count in counts.items():
        with django_assert_max_num_queries(count):
            assert client.get(reverse(name)).status_code == 200
