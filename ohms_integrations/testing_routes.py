"""Integrations objects and routes for the cross-tenant route matrix (``ohms_core.testing_routes``).

``SyncConflict`` is a core model (its factory is core's); the admin's sync-conflict screens
are function views, so their ``pk`` is named here."""
from ohms_core.models import SyncConflict
from ohms_core.testing_routes import register_factory, register_route_model

# --- webhooks ---
from .models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookSecret


def _endpoint(w):
    endpoint = WebhookEndpoint.objects.create(organization=w.org, project=w.project, name=f"Hook {w.seq()}",
                                              url="https://93.184.216.34/hook", events=["*"])
    WebhookSecret.objects.create(endpoint=endpoint, secret="whsec_" + "QUJD" * 8)
    return endpoint


def _delivery(w):
    endpoint = w.get(WebhookEndpoint)
    n = w.seq()
    return WebhookDelivery.objects.create(organization=w.org, endpoint=endpoint, event=None, event_type="webhook.test",
                                          webhook_id=f"msg_matrix_{n}", payload={"type": "webhook.test"})


register_factory(WebhookEndpoint, _endpoint)
register_factory(WebhookDelivery, _delivery)
register_factory(WebhookAttempt, lambda w: WebhookAttempt.objects.create(
    organization=w.org, delivery=w.get(WebhookDelivery), number=1, status_code=500, error="matrix"))
register_route_model("ohms_integrations_webhook_test", WebhookEndpoint)
register_route_model("ohms_integrations_webhook_rotate", WebhookEndpoint)
register_route_model("ohms_integrations_delivery_redeliver", WebhookDelivery)

# --- sync conflicts ---
for _name in ("ohms_integrations_sync_conflict", "ohms_integrations_sync_conflict_resolve"):
    register_route_model(_name, SyncConflict)
