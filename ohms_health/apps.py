"""OHMS add-on: Occupational health."""
from django.utils.translation import gettext_lazy as _

from ohms_core.addons import AddonConfig


class OhmsHealthConfig(AddonConfig):
    """Everything the add-on registers is named in ``manifest.py``."""

    name = "ohms_health"
    label = "ohms_health"
    verbose_name = _("Occupational health")
