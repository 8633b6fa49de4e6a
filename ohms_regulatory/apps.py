from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OhmsRegulatoryConfig(AppConfig):
    name = "ohms_regulatory"
    label = "ohms_regulatory"
    verbose_name = _("Regulatory")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ohms_core.registry import register

        from .manifest import MANIFEST

        register(MANIFEST)
