"""Webhooks in a real browser: create an endpoint (secret shown once), send a test event to a
local receiver, see the ledger row."""
import re

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from ohms_core import testing
from ohms_integrations.models import WebhookDelivery, WebhookEndpoint
from ohms_integrations.tests.test_webhooks import Receiver, verify

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "pass-1234-word"


@override_settings(OHMS_WEBHOOKS_ALLOW_PRIVATE=True)
def test_create_endpoint_see_secret_once_send_test_see_ledger(live_server, page, shot):
    org = testing.make_organization("HOOK", "Hook Mining")
    admin = testing.make_member(org, "org_admin", "hooks-admin@example.test")
    with Receiver() as receiver:
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("input[name=username]", admin.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")

        page.goto(f"{live_server.url}/admin/integrations/webhook-endpoints/new/")
        page.fill("input[name=name]", "ERP receiver")
        page.fill("input[name=url]", receiver.url)
        page.check("input[name=events][value='*']")
        shot(page, "integrations-01-new-webhook")
        page.click("button[type=submit]:has-text('Create')")
        secret_box = page.locator("[data-webhook-secret]")
        expect(secret_box).to_be_visible()
        secret = secret_box.inner_text().strip()
        assert re.fullmatch(r"whsec_[A-Za-z0-9+/=]+", secret)
        shot(page, "integrations-02-secret-shown-once")
        endpoint = WebhookEndpoint.objects.get(name="ERP receiver")

        page.reload()  # shown once: gone after a reload
        expect(page.locator("[data-webhook-secret]")).to_have_count(0)

        page.locator("a:has-text('Send test')").first.click()
        page.click("[data-webhook-confirm]")
        expect(page.get_by_text("Test delivered")).to_be_visible()
        shot(page, "integrations-03-ledger-after-test")
    assert len(receiver.requests) == 1
    assert verify(secret, receiver.requests[0])["data"]["endpoint_id"] == str(endpoint.pk)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    row = page.get_by_role("row").filter(has_text=delivery.webhook_id)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Succeeded")
    expect(row).to_contain_text("200")
