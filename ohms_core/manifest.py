from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .registry import AddonManifest, SubscriberSpec

MANIFEST = AddonManifest(
    label="ohms_core",
    name="core",
    version=settings.OHMS_VERSION,
    summary=_("Tenancy, base model, audit log, people, documents and the REST base."),
    depends=(),
    api_urls="ohms_core.api.urls",
    menu_order=100,
    jobs=("ohms_core.tasks",),
    subscribers=(SubscriberSpec("notifications", "ohms_core.services.notifications.notify_from_event"),),
    demo_command="ohms_demo",
)
