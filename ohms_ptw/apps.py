from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OhmsPtwConfig(AppConfig):
    name = "ohms_ptw"
    label = "ohms_ptw"
    verbose_name = _("Permit to work")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ohms_core.registry import register

        from .manifest import MANIFEST

        register(MANIFEST)
