from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OhmsHealthConfig(AppConfig):
    name = "ohms_health"
    label = "ohms_health"
    verbose_name = _("Occupational health")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ohms_core.registry import register

        from .manifest import MANIFEST

        register(MANIFEST)
