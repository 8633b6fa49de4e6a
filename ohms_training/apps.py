from django.utils.translation import gettext_lazy as _

from ohms_core.addons import AddonConfig


class OhmsTrainingConfig(AddonConfig):
    """Everything the add-on registers is named in ``manifest.py``."""

    name = "ohms_training"
    label = "ohms_training"
    verbose_name = _("Training")
