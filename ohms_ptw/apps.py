from django.utils.translation import gettext_lazy as _

from ohms_core.addons import AddonConfig


class OhmsPtwConfig(AddonConfig):
    """Everything the add-on registers is named in ``manifest.py``."""

    name = "ohms_ptw"
    label = "ohms_ptw"
    verbose_name = _("Permit to work")
