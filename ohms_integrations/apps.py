from django.utils.translation import gettext_lazy as _

from ohms_core.addons import AddonConfig


class OhmsIntegrationsConfig(AddonConfig):
    name = "ohms_integrations"
    label = "ohms_integrations"
    verbose_name = _("Integrations")
