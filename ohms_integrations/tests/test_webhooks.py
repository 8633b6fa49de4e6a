"""Webhooks end to end with a REAL HTTP receiver on 127.0.0.1 (a thread in the test).

Signatures are checked the way an integrator would: ``standardwebhooks.Webhook(secret).verify``.
"""
from __future__ import annotations

import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest
from django.test import override_settings
from django.utils import timezone
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from ohms_core import events, testing
from ohms_core.context import acting_as
from ohms_core.models import Event, Notification
from ohms_integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookSecret
from ohms_integrations.models.webhooks import DeliveryStatus
from ohms_integrations.services import webhooks as services

pytestmark = pytest.mark.django_db
allow_private = override_settings(OHMS_WEBHOOKS_ALLOW_PRIVATE=True)


class Receiver:
    """A local HTTP server recording every request; ``script`` gives the status codes to answer."""

    def __init__(self, script=None):
        self.requests: list[dict] = []
        self.script = list(script or [])
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
                                          "path": self.path})
                code = receiver.script.pop(0) if receiver.script else 200
                self.send_response(code)
                if 300 <= code < 400:
                    self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


def make_endpoint(org, url, *, events_=("*",), project=None, name="Hook"):
    with override_settings(OHMS_WEBHOOKS_ALLOW_PRIVATE=True), acting_as(organization=org):
        return services.endpoint_create(organization=org, data={"name": name, "url": url, "events": list(events_),
                                                                "project": project})


def emit(org, type_="integrations.webhook.disabled", obj=None, data=None):
    with acting_as(organization=org):
        return events.emit(type_, obj, organization=org, data=data or {"endpoint_id": "x"})


def verify(secret, request):
    return Webhook(secret).verify(request["body"], request["headers"])


# --- signing -------------------------------------------------------------------------------
@allow_private
def test_delivery_is_signed_and_verifies(org_a, receiver):
    endpoint, secret = make_endpoint(org_a, receiver.url)
    assert secret.startswith("whsec_")
    event = emit(org_a)
    events.dispatch(event.pk)
    assert services.deliveries_send_due() == 1
    [request] = receiver.requests
    payload = verify(secret, request)
    assert payload["type"] == "integrations.webhook.disabled"
    assert payload["data"]["event_id"] == str(event.pk)
    assert payload["data"]["organization_id"] == str(org_a.pk)
    assert request["headers"]["webhook-id"] == WebhookDelivery.objects.get().webhook_id
    assert request["headers"]["webhook-signature"].startswith("v1,")
    assert request["headers"]["content-type"] == "application/json"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 1
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == 200 and attempt.succeeded and attempt.duration_ms >= 0
    endpoint.refresh_from_db()
    assert endpoint.last_status_code == 200 and endpoint.last_sent_at is not None
    # Telemetry, not an edit: no version bump (an admin's PATCH never 409s on a delivery).
    assert endpoint.version == 1 and endpoint.history.count() == 1


@allow_private
def test_changed_body_and_old_timestamp_fail_verification(org_a, receiver):
    endpoint, secret = make_endpoint(org_a, receiver.url)
    events.dispatch(emit(org_a).pk)
    services.deliveries_send_due()
    request = receiver.requests[0]
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request["body"].replace(b"disabled", b"enabled"), request["headers"])
    # A request signed 301 s ago (a replay) fails the 300-second window.
    old = timezone.now() - timedelta(seconds=301)
    services._send(endpoint=endpoint, webhook_id="msg_replay", payload={"type": "x", "data": {}}, now=old)
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify(secret, receiver.requests[1])
    # ... and a wrong secret never verifies.
    with pytest.raises(WebhookVerificationError):
        verify(services.secret_generate(), request)


@allow_private
def test_rotation_both_secrets_verify_in_the_window_old_one_not_after(org_a, receiver):
    endpoint, old_secret = make_endpoint(org_a, receiver.url)
    new_secret, valid_until = services.endpoint_rotate_secret(endpoint=endpoint)
    assert new_secret != old_secret and valid_until > timezone.now() + timedelta(hours=23)
    services.endpoint_send_test(endpoint=endpoint)
    request = receiver.requests[0]
    assert len(request["headers"]["webhook-signature"].split(" ")) == 2
    assert verify(old_secret, request)["type"] == "webhook.test"
    assert verify(new_secret, request)["type"] == "webhook.test"
    # After the window: signed with the new secret only.
    WebhookSecret.objects.filter(endpoint=endpoint).update(previous_valid_until=timezone.now() - timedelta(seconds=1))
    services.endpoint_send_test(endpoint=endpoint)
    request = receiver.requests[1]
    assert len(request["headers"]["webhook-signature"].split(" ")) == 1
    assert verify(new_secret, request)["type"] == "webhook.test"
    with pytest.raises(WebhookVerificationError):
        verify(old_secret, request)


# --- retries, dedupe -------------------------------------------------------------------------
@allow_private
def test_fails_twice_then_succeeds_with_the_same_webhook_id():
    org = testing.make_organization()
    with Receiver(script=[500, 503, 200]) as receiver:
        _endpoint, secret = make_endpoint(org, receiver.url)
        events.dispatch(emit(org).pk)
        delivery = WebhookDelivery.objects.get()
        assert services.deliveries_send_due() == 1
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
        assert timedelta(seconds=4) < delivery.next_attempt_at - timezone.now() <= timedelta(seconds=5)
        assert services.deliveries_send_due() == 0  # not due yet
        assert services.deliveries_send_due(now=timezone.now() + timedelta(seconds=6)) == 1
        delivery.refresh_from_db()
        assert delivery.attempts == 2
        assert timedelta(minutes=4) < delivery.next_attempt_at - timezone.now() <= timedelta(minutes=5)
        assert services.deliveries_send_due(now=timezone.now() + timedelta(minutes=6)) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 3
    ids = {r["headers"]["webhook-id"] for r in receiver.requests}
    assert ids == {delivery.webhook_id} and len(receiver.requests) == 3
    assert all(verify(secret, r) for r in receiver.requests)
    assert list(WebhookAttempt.objects.order_by("number").values_list("status_code", flat=True)) == [500, 503, 200]


@allow_private
def test_redirects_are_not_followed():
    org = testing.make_organization()
    with Receiver(script=[302]) as receiver:
        endpoint, _secret = make_endpoint(org, receiver.url)
        attempt = services.endpoint_send_test(endpoint=endpoint)
    assert attempt.status_code == 302 and not attempt.succeeded
    assert len(receiver.requests) == 1


@allow_private
def test_dispatch_twice_delivers_once(org_a, receiver):
    make_endpoint(org_a, receiver.url)
    event = emit(org_a)
    events.dispatch(event.pk)
    # A second dispatch (a retried task, the sweeper): the bus skips, and even a direct second
    # call of the subscriber finds the (endpoint, event) delivery already recorded.
    events.dispatch(event.pk)
    assert services.webhooks_on_event(Event.objects.get(pk=event.pk)) == 0
    services.deliveries_send_due()
    services.deliveries_send_due(now=timezone.now() + timedelta(hours=1))
    assert WebhookDelivery.objects.count() == 1
    assert len(receiver.requests) == 1


@allow_private
def test_redeliver_is_a_new_attempt_with_the_same_webhook_id(org_a, receiver):
    make_endpoint(org_a, receiver.url)
    events.dispatch(emit(org_a).pk)
    services.deliveries_send_due()
    delivery = WebhookDelivery.objects.get()
    attempt = services.delivery_redeliver(delivery=delivery)
    assert attempt.number == 2 and attempt.manual and attempt.succeeded
    assert [r["headers"]["webhook-id"] for r in receiver.requests] == [delivery.webhook_id] * 2
    assert WebhookDelivery.objects.count() == 1


# --- target selection --------------------------------------------------------------------------
@allow_private
def test_project_scoping_and_event_filter(org_a, receiver):
    from ohms_core.models import Project

    p1, p2 = testing.make_project(org_a), testing.make_project(org_a)
    make_endpoint(org_a, receiver.url + "?p1", project=p1, name="P1")
    make_endpoint(org_a, receiver.url + "?p2", project=p2, name="P2")
    make_endpoint(org_a, receiver.url + "?global", name="Global")
    events.dispatch(emit(org_a, data={"project_id": str(p1.pk)}).pk)
    services.deliveries_send_due()
    assert sorted(r["path"] for r in receiver.requests) == ["/hook?global", "/hook?p1"]
    assert Project.objects.count() >= 2


@allow_private
def test_event_type_subscription_and_star(org_a, receiver):
    make_endpoint(org_a, receiver.url + "?star", events_=["*"], name="All")
    make_endpoint(org_a, receiver.url + "?disabled-only", events_=["integrations.webhook.disabled"], name="One")
    other_type = next(t.name for t in events.event_types() if t.name != "integrations.webhook.disabled")
    events.dispatch(emit(org_a).pk)
    events.dispatch(emit(org_a, type_=other_type).pk)
    # A type registered later (a future add-on) reaches "*" too.
    events.register_event_type("future.thing.happened", "Future")
    try:
        events.dispatch(emit(org_a, type_="future.thing.happened").pk)
    finally:
        events._event_types.pop("future.thing.happened", None)
    services.deliveries_send_due()
    star = [json.loads(r["body"])["type"] for r in receiver.requests if r["path"] == "/hook?star"]
    one = [json.loads(r["body"])["type"] for r in receiver.requests if r["path"] == "/hook?disabled-only"]
    assert sorted(star) == sorted(["integrations.webhook.disabled", other_type, "future.thing.happened"])
    assert one == ["integrations.webhook.disabled"]


@allow_private
def test_other_organization_and_disabled_endpoints_get_nothing(org_a, org_b, receiver):
    make_endpoint(org_b, receiver.url, name="B")
    endpoint, _ = make_endpoint(org_a, receiver.url, name="A off")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(enabled=False)
    events.dispatch(emit(org_a).pk)
    services.deliveries_send_due()
    assert receiver.requests == [] and WebhookDelivery.objects.count() == 0


def test_health_events_carry_no_free_text(org_a):
    event = Event(organization=org_a, type="health.incident.reported", data={"incident_id": "1", "comment": "fever"},
                  created_at=timezone.now())
    payload = services.event_payload(event, project_id=None)
    assert "comment" not in payload["data"] and payload["data"]["incident_id"] == "1"
    assert "object_repr" not in payload["data"]


# --- SSRF ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hook", "http://169.254.169.254/latest/meta-data", "http://10.1.2.3/hook",
    "http://[::1]/hook", "http://192.168.1.10/", "http://[fe80::1]/", "http://224.0.0.1/", "http://0.0.0.0/",
    "http://[::ffff:127.0.0.1]/", "ftp://93.184.216.34/", "http://user:pw@93.184.216.34/",
])
def test_ssrf_guard_refuses_private_targets(url):
    with pytest.raises(services.UnsafeTarget):
        services.resolve_target(url)


def test_ssrf_guard_checks_what_the_name_resolves_to():
    fake = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 443))]
    with mock.patch("socket.getaddrinfo", return_value=fake), pytest.raises(services.UnsafeTarget):
        services.resolve_target("https://hooks.example.com/x")
    fake = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443))]
    with mock.patch("socket.getaddrinfo", return_value=fake):
        assert services.resolve_target("https://hooks.example.com/x")[3] == "93.184.216.34"


def test_send_time_guard_refuses_without_the_setting(org_a, receiver):
    """An endpoint saved while private targets were allowed is still refused at send time."""
    endpoint, _ = make_endpoint(org_a, receiver.url)
    attempt = services.endpoint_send_test(endpoint=endpoint)
    assert attempt.status_code is None and "private" in attempt.error
    assert receiver.requests == []


# --- persistent failure ---------------------------------------------------------------------------
@allow_private
def test_dead_after_the_last_retry_endpoint_disabled_and_admins_notified(org_a, admin_a):
    other_admin = testing.make_member(org_a, "org_admin")
    manager = testing.make_member(org_a, "safety_manager")
    with Receiver(script=[500] * 10) as receiver:
        endpoint, _ = make_endpoint(org_a, receiver.url)
        events.dispatch(emit(org_a, data={"endpoint_id": "first"}).pk)
        now = timezone.now()
        for tries in range(services.MAX_ATTEMPTS):
            now += timedelta(hours=11)
            assert services.deliveries_send_due(now=now) == 1, tries
        assert services.deliveries_send_due(now=now + timedelta(days=1)) == 0
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == DeliveryStatus.DEAD and delivery.attempts == 7
    assert len(receiver.requests) == 7
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "failed 7 times" in endpoint.disabled_reason
    assert endpoint.consecutive_failures == 7
    notified = set(Notification.objects.filter(event_type=services.DISABLED_EVENT).values_list("user_id", flat=True))
    assert notified == {admin_a.pk, other_admin.pk}
    assert manager.pk not in notified


def test_save_time_url_validation(org_a):
    from django.core.exceptions import ValidationError

    with acting_as(organization=org_a), pytest.raises(ValidationError) as exc:
        services.endpoint_create(organization=org_a, data={"name": "x", "url": "http://10.0.0.1/", "events": ["*"]})
    assert "url" in exc.value.message_dict
    with acting_as(organization=org_a), pytest.raises(ValidationError) as exc:
        services.endpoint_create(organization=org_a, data={"name": "x", "url": "https://93.184.216.34/",
                                                           "events": ["no.such.type"]})
    assert "events" in exc.value.message_dict


@allow_private
def test_through_the_bus_after_commit_with_a_real_object(org_a, django_capture_on_commit_callbacks):
    """emit() in a transaction -> after commit the bus dispatches -> the webhook task sends.
    The project comes from the object (the model's declared project path)."""
    project = testing.make_project(org_a)
    with Receiver(script=[500]) as receiver:
        _endpoint, secret = make_endpoint(org_a, receiver.url, project=project)
        with django_capture_on_commit_callbacks(execute=True):
            emit(org_a, obj=_endpoint, data={"endpoint_id": str(_endpoint.pk)})
    [request] = receiver.requests
    payload = verify(secret, request)
    assert payload["data"]["project_id"] == str(project.pk)
    assert payload["data"]["object_type"] == "ohms_integrations.webhookendpoint"
    assert payload["data"]["object_id"] == str(_endpoint.pk)
    delivery = WebhookDelivery.objects.get()
    # The 500 scheduled a retry in 5 s (a delayed task; the every-minute job is the safety net).
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is not None
