from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OhmsIntegrationsConfig(AppConfig):
    name = "ohms_integrations"
    label = "ohms_integrations"
    verbose_name = _("Integrations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ohms_core.registry import register

        from .manifest import MANIFEST

        register(MANIFEST)
