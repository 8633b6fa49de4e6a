from django.utils.translation import gettext_lazy as _

from ohms_core.registry import AddonManifest, EventTypeSpec, SubscriberSpec

MANIFEST = AddonManifest(
    label="ohms_integrations",
    name="integrations",
    version="0.1.0",
    summary="Signed webhooks, offline sync with conflict handling.",
    depends=("ohms_core",),
    menu_order=500,
    api_urls="ohms_integrations.api.urls",
    permissions="ohms_integrations.permissions.RESOURCES",
    event_types=(
        EventTypeSpec("integrations.webhook.disabled", _("Webhook endpoint disabled after repeated failures"),
                      title="Webhook endpoint {{ object.label }} disabled"),
    ),
    # Webhooks receive every event type (None = all), present and future.
    subscribers=(SubscriberSpec("webhooks", "ohms_integrations.services.webhooks.webhooks_on_event", None),),
    jobs=("ohms_integrations.webhooks_tasks",),
)
