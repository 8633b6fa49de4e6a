from .webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookSecret

__all__ = ["WebhookAttempt", "WebhookDelivery", "WebhookEndpoint", "WebhookSecret"]
