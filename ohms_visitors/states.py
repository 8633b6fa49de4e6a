"""State values and choices of the visitors add-on (strings live only here)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class InviteStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    CHECKED_IN = "checked_in", _("Checked in")
    CHECKED_OUT = "checked_out", _("Checked out")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No show")


class AccessType(models.TextChoices):
    VISITOR = "visitor", _("Visitor")
    CONTRACTOR = "contractor", _("Contractor")
    DELIVERY = "delivery", _("Delivery")
    EMPLOYEE = "employee", _("Employee")
