from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OhmsCoreConfig(AppConfig):
    name = "ohms_core"
    label = "ohms_core"
    verbose_name = _("OHMS core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks, signals  # noqa: F401  (registers system checks and auth audit receivers)
        from .api import schema  # noqa: F401  (OpenAPI extension for Bearer tokens)
        from .manifest import MANIFEST
        from .registry import register

        register(MANIFEST)

        from . import events, tasks  # noqa: F401  (periodic jobs)
        from .services.notifications import notify_from_event

        events.subscribe("notifications", notify_from_event)
