"""State values (``models.TextChoices``) of the add-on's state machines."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgressStatus(models.TextChoices):
    """SPEC 1.8 ``TrainingStatus``: assigned -> in_progress -> passed | failed (retake after failure)."""

    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


class CertificateState(models.TextChoices):
    """What the matrix and the verification page say of a worker's certificate (computed, not stored)."""

    VALID = "valid", _("Valid")
    EXPIRING = "expiring", _("Expiring")
    EXPIRED = "expired", _("Expired")
    MISSING = "missing", _("Missing")
