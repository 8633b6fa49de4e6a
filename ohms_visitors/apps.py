from django.utils.translation import gettext_lazy as _

from ohms_core.addons import AddonConfig


class OhmsVisitorsConfig(AddonConfig):
    """Everything the add-on registers is named in ``manifest.py``."""

    name = "ohms_visitors"
    label = "ohms_visitors"
    verbose_name = _("Visitors")
