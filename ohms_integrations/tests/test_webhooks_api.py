"""REST of webhooks: org admins only (403 others), other organization 404, secret once, ledger."""
from __future__ import annotations

import pytest
from django.test import override_settings

from ohms_core import events, testing
from ohms_core.context import acting_as
from ohms_integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookSecret
from ohms_integrations.services import webhooks as services

from .test_webhooks import Receiver, emit, make_endpoint, verify

pytestmark = pytest.mark.django_db
BASE = "/api/v1/integrations"
PUBLIC_URL = "https://93.184.216.34/hook"


def test_create_returns_the_secret_once(client_a, org_a):
    response = client_a.post(f"{BASE}/webhooks/", {"name": "ERP", "url": PUBLIC_URL, "events": ["*"]}, format="json")
    assert response.status_code == 201, response.content
    secret = response.json()["secret"]
    assert secret.startswith("whsec_")
    endpoint = WebhookEndpoint.objects.get(pk=response.json()["id"])
    assert endpoint.organization == org_a and WebhookSecret.objects.get(endpoint=endpoint).secret == secret
    detail = client_a.get(f"{BASE}/webhooks/{endpoint.pk}/")
    assert detail.status_code == 200 and "secret" not in detail.json()
    assert secret not in detail.content.decode()
    listing = client_a.get(f"{BASE}/webhooks/")
    assert secret not in listing.content.decode() and listing.json()["count"] == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "x", "url": "http://127.0.0.1:9/", "events": ["*"]}, "url"),
    ({"name": "x", "url": "http://169.254.169.254/", "events": ["*"]}, "url"),
    ({"name": "x", "url": "http://10.2.3.4/", "events": ["*"]}, "url"),
    ({"name": "x", "url": "http://[::1]/", "events": ["*"]}, "url"),
    ({"name": "x", "url": "not a url", "events": ["*"]}, "url"),
    ({"name": "x", "url": PUBLIC_URL, "events": ["no.such.event"]}, "events"),
    ({"name": "x", "url": PUBLIC_URL, "events": "*"}, "events"),
    ({"url": PUBLIC_URL, "events": ["*"]}, "name"),
])
def test_bad_input_is_400_with_field_errors(client_a, body, field):
    response = client_a.post(f"{BASE}/webhooks/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert WebhookEndpoint.objects.count() == 0


def test_project_of_another_organization_is_refused(client_a, org_b):
    project_b = testing.make_project(org_b)
    response = client_a.post(f"{BASE}/webhooks/", {"name": "x", "url": PUBLIC_URL, "events": ["*"],
                                                   "project": str(project_b.pk)}, format="json")
    assert response.status_code == 400 and "project" in response.json()["errors"]


def test_update_stale_version_is_409_and_secret_unchanged(client_a, org_a):
    endpoint, secret = make_endpoint(org_a, PUBLIC_URL)
    response = client_a.patch(f"{BASE}/webhooks/{endpoint.pk}/", {"name": "Renamed", "version": 1}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Renamed"
    response = client_a.patch(f"{BASE}/webhooks/{endpoint.pk}/", {"name": "Stale", "version": 1}, format="json")
    assert response.status_code == 409
    assert WebhookSecret.objects.get(endpoint=endpoint).secret == secret
    response = client_a.patch(f"{BASE}/webhooks/{endpoint.pk}/", {"url": "http://10.0.0.1/"}, format="json")
    assert response.status_code == 400 and "url" in response.json()["errors"]
    assert client_a.delete(f"{BASE}/webhooks/{endpoint.pk}/").status_code == 204
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


@pytest.mark.parametrize("role", ["safety_manager", "integrator", "auditor", "permit_requester", "medical_officer"])
def test_non_admins_get_403(org_a, role):
    endpoint, _ = make_endpoint(org_a, PUBLIC_URL)
    client = testing.token_client(testing.make_member(org_a, role), org_a)
    assert client.get(f"{BASE}/webhooks/").status_code == 403
    assert client.post(f"{BASE}/webhooks/", {"name": "x", "url": PUBLIC_URL, "events": ["*"]},
                       format="json").status_code == 403
    assert client.post(f"{BASE}/webhooks/{endpoint.pk}/rotate_secret/").status_code == 403
    assert client.post(f"{BASE}/webhooks/{endpoint.pk}/test/").status_code == 403
    assert client.get(f"{BASE}/webhooks/{endpoint.pk}/deliveries/").status_code == 403
    assert client.get(f"{BASE}/deliveries/").status_code == 403


def test_other_organization_gets_404(client_b, org_a):
    endpoint, secret = make_endpoint(org_a, PUBLIC_URL)
    delivery = WebhookDelivery.objects.create(organization=org_a, endpoint=endpoint, event_type="webhook.test",
                                              webhook_id="msg_x", payload={})
    for method, url in [("get", f"{BASE}/webhooks/{endpoint.pk}/"), ("patch", f"{BASE}/webhooks/{endpoint.pk}/"),
                        ("delete", f"{BASE}/webhooks/{endpoint.pk}/"),
                        ("post", f"{BASE}/webhooks/{endpoint.pk}/test/"),
                        ("post", f"{BASE}/webhooks/{endpoint.pk}/rotate_secret/"),
                        ("get", f"{BASE}/webhooks/{endpoint.pk}/deliveries/"),
                        ("get", f"{BASE}/deliveries/{delivery.pk}/"),
                        ("post", f"{BASE}/deliveries/{delivery.pk}/redeliver/")]:
        assert getattr(client_b, method)(url, {}, format="json").status_code == 404, url
    assert client_b.get(f"{BASE}/webhooks/").json()["count"] == 0
    assert client_b.get(f"{BASE}/deliveries/").json()["count"] == 0
    assert WebhookSecret.objects.get(endpoint=endpoint).secret == secret
    assert WebhookAttempt.objects.count() == 0


@override_settings(OHMS_WEBHOOKS_ALLOW_PRIVATE=True)
def test_test_rotate_deliveries_and_redeliver(client_a, org_a):
    with Receiver(script=[200, 500, 200, 200]) as receiver:
        response = client_a.post(f"{BASE}/webhooks/", {"name": "R", "url": receiver.url, "events": ["*"]},
                                 format="json")
        endpoint_id, secret = response.json()["id"], response.json()["secret"]
        response = client_a.post(f"{BASE}/webhooks/{endpoint_id}/test/")
        assert response.status_code == 200 and response.json()["status_code"] == 200
        assert verify(secret, receiver.requests[0])["type"] == "webhook.test"

        response = client_a.post(f"{BASE}/webhooks/{endpoint_id}/rotate_secret/")
        assert response.status_code == 200
        new_secret = response.json()["secret"]
        assert new_secret != secret and response.json()["previous_secret_valid_until"]

        events.dispatch(emit(org_a).pk)
        services.deliveries_send_due()  # the receiver answers 500
        delivery = WebhookDelivery.objects.exclude(event=None).get()
        response = client_a.post(f"{BASE}/deliveries/{delivery.pk}/redeliver/")
        assert response.status_code == 200 and response.json()["number"] == 2 and response.json()["manual"]
        assert verify(secret, receiver.requests[-1]) and verify(new_secret, receiver.requests[-1])
        assert receiver.requests[-1]["headers"]["webhook-id"] == receiver.requests[-2]["headers"]["webhook-id"]

    response = client_a.get(f"{BASE}/webhooks/{endpoint_id}/deliveries/")
    assert response.status_code == 200 and response.json()["count"] == 2
    rows = {r["event_type"]: r for r in response.json()["results"]}
    assert [a["status_code"] for a in rows["integrations.webhook.disabled"]["attempt_log"]] == [200, 500]
    assert "secret" not in response.content.decode().lower().replace("secret_valid", "")
    response = client_a.get(f"{BASE}/deliveries/?status=succeeded")
    assert response.json()["count"] == 2


def test_deliveries_list_query_count_is_flat(client_a, org_a, django_assert_max_num_queries):
    endpoint, _ = make_endpoint(org_a, PUBLIC_URL)

    def add(n):
        for i in range(n):
            d = WebhookDelivery.objects.create(organization=org_a, endpoint=endpoint, event_type="webhook.test",
                                               webhook_id=f"msg_{WebhookDelivery.objects.count()}_{i}", payload={})
            WebhookAttempt.objects.create(organization=org_a, delivery=d, number=1, status_code=500)
            WebhookAttempt.objects.create(organization=org_a, delivery=d, number=2, status_code=200)

    add(2)
    with django_assert_max_num_queries(12) as small:
        assert client_a.get(f"{BASE}/deliveries/").status_code == 200
    add(15)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client_a.get(f"{BASE}/deliveries/").json()["count"] == 17
    with django_assert_max_num_queries(len(small.captured_queries) + 2):
        assert client_a.get(f"{BASE}/webhooks/{endpoint.pk}/deliveries/").json()["count"] == 17
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client_a.get(f"{BASE}/webhooks/").status_code == 200


def test_event_type_catalogue_lists_every_registered_type(client_a):
    response = client_a.get(f"{BASE}/event-types/")
    assert response.status_code == 200
    body = response.json()
    types = {row["type"]: row for row in body["results"]}
    assert set(types) == {t.name for t in events.event_types()}
    assert body["count"] == len(types)
    row = types["integrations.webhook.disabled"]
    assert row["addon"] == "integrations" and row["label"]
    assert row["example"]["type"] == "integrations.webhook.disabled"
    assert {"event_id", "organization_id", "project_id", "object_id"} <= set(row["example"]["data"])
    transition_rows = [r for r in body["results"] if "transition" in r["example"]["data"]]
    assert transition_rows, "state-machine events carry a derived example"
    for row in transition_rows:
        data = set(row["example"]["data"])
        assert {"from", "to"} <= data
        # health transitions never carry the free-text comment out (no medical content)
        assert ("comment" in data) is (not row["type"].startswith("health.")), row["type"]


def test_project_limited_admin_sees_own_project_and_global_endpoints(org_a):
    p1, p2 = testing.make_project(org_a), testing.make_project(org_a)
    mine, _ = make_endpoint(org_a, PUBLIC_URL, project=p1, name="mine")
    other, _ = make_endpoint(org_a, PUBLIC_URL, project=p2, name="other")
    shared, _ = make_endpoint(org_a, PUBLIC_URL, name="global")
    limited = testing.make_member(org_a, "org_admin", projects=[p1])
    client = testing.token_client(limited, org_a)
    names = {row["name"] for row in client.get(f"{BASE}/webhooks/").json()["results"]}
    assert names == {"mine", "global"}
    assert client.get(f"{BASE}/webhooks/{other.pk}/").status_code == 404
    with acting_as(organization=org_a):
        assert mine.pk and shared.pk
