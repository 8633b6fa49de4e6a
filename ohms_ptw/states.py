"""PTW statuses and choices. State and choice strings live only here."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class PermitStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    PENDING_VERIFICATION = "pending_verification", _("Pending verification")
    VERIFIED = "verified", _("Verified (legacy)")
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    REJECTED = "rejected", _("Rejected")
    OBSOLETE = "obsolete", _("Obsolete")


#: Statuses in which nothing may change any more.
FINAL_STATUSES = frozenset({PermitStatus.COMPLETED, PermitStatus.CANCELLED, PermitStatus.EXPIRED,
                            PermitStatus.REJECTED, PermitStatus.OBSOLETE})
#: Statuses that hold the work site (SIMOPS, shared isolation points).
LIVE_STATUSES = frozenset({PermitStatus.APPROVED, PermitStatus.ACTIVE, PermitStatus.SUSPENDED})


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    EXTREME = "extreme", _("Extreme")


class PermitCategory(models.TextChoices):
    HOT_WORK = "hot_work", _("Hot work")
    CONFINED_SPACE = "confined_space", _("Confined space entry")
    ELECTRICAL = "electrical", _("Electrical isolation")
    WORK_AT_HEIGHT = "work_at_height", _("Work at height")
    EXCAVATION = "excavation", _("Excavation")
    COLD_WORK = "cold_work", _("Cold work")
    LIFTING = "lifting", _("Lifting")
    OTHER = "other", _("Other")


class Gas(models.TextChoices):
    O2 = "O2", _("Oxygen (O2)")
    LEL = "LEL", _("Flammables (LEL)")
    H2S = "H2S", _("Hydrogen sulphide (H2S)")
    CO = "CO", _("Carbon monoxide (CO)")
    OTHER = "other", _("Other")


#: Default safe limits (per permit type overrideable): min/max inclusive bounds.
DEFAULT_GAS_LIMITS = {
    "O2": {"min": 19.5, "max": 23.5, "unit": "%"},
    "LEL": {"max": 10, "unit": "%LEL", "exclusive_max": True},
    "H2S": {"max": 10, "unit": "ppm", "exclusive_max": True},
    "CO": {"max": 35, "unit": "ppm", "exclusive_max": True},
}


class OverlapPolicy(models.TextChoices):
    BLOCK = "block", _("Block")
    WARN = "warn", _("Warn only")


class PointType(models.TextChoices):
    VALVE = "valve", _("Valve")
    BREAKER = "breaker", _("Breaker")
    SWITCH = "switch", _("Switch")
    DISCONNECT = "disconnect", _("Disconnect")
    LINE_BLIND = "line_blind", _("Line blind")
    FUSE_PULL = "fuse_pull", _("Fuse pull")
    OTHER = "other", _("Other")


class EnergyType(models.TextChoices):
    ELECTRICAL = "electrical", _("Electrical")
    MECHANICAL = "mechanical", _("Mechanical")
    HYDRAULIC = "hydraulic", _("Hydraulic")
    PNEUMATIC = "pneumatic", _("Pneumatic")
    CHEMICAL = "chemical", _("Chemical")
    THERMAL = "thermal", _("Thermal")
    GRAVITY = "gravity", _("Gravity")
    RADIATION = "radiation", _("Radiation")
    OTHER = "other", _("Other")


class IsolationStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    ISOLATED = "isolated", _("Isolated")
    VERIFIED = "verified", _("Verified")
    DEISOLATED = "deisolated", _("De-isolated")
    CANCELLED = "cancelled", _("Cancelled")


class LotoStatus(models.TextChoices):
    ACTIVE = "active", _("Lock applied")
    REMOVED = "removed", _("Lock removed")


class SignatureMeaning(models.TextChoices):
    ISSUER = "issuer", _("Issuer")
    RECEIVER = "receiver", _("Receiver")
    VERIFIER = "verifier", _("Verifier")
    APPROVER = "approver", _("Approver")
    CLOSEOUT = "closeout", _("Closeout")


class StepType(models.TextChoices):
    VERIFICATION = "verification", _("Verification")
    APPROVAL = "approval", _("Approval")


class StepStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class WorkflowState(models.TextChoices):
    ACTIVE = "active", _("In progress")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class ExtensionStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class PhotoType(models.TextChoices):
    BEFORE = "before", _("Before work")
    DURING = "during", _("During work")
    AFTER = "after", _("After work")
    ISOLATION = "isolation", _("Isolation evidence")
    OTHER = "other", _("Other")


class EscalationMethod(models.TextChoices):
    IN_APP = "in_app", _("In-app")
    IN_APP_EMAIL = "in_app_email", _("In-app and email (by the recipient's preference)")
