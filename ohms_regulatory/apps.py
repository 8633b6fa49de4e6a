from django.utils.translation import gettext_lazy as _

from ohms_core.addons import AddonConfig


class OhmsRegulatoryConfig(AddonConfig):
    name = "ohms_regulatory"
    label = "ohms_regulatory"
    verbose_name = _("Regulatory")
