"""Configuration admins own: permit types, risk matrices."""
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ohms_core import providers
from ohms_core.models import BaseModel

from ..states import DEFAULT_GAS_LIMITS, OverlapPolicy, PermitCategory, RiskLevel


def default_gas_limits():
    return {gas: dict(limits) for gas, limits in DEFAULT_GAS_LIMITS.items()}


def default_required_gases():
    return ["O2", "LEL", "H2S", "CO"]


class PermitType(BaseModel):
    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=50)
    category = models.CharField(_("category"), max_length=30, choices=PermitCategory.choices, default=PermitCategory.OTHER)
    description = models.TextField(_("description"), blank=True)
    requires_gas_testing = models.BooleanField(_("requires gas testing"), default=False)
    requires_isolation = models.BooleanField(_("requires isolation (text)"), default=False,
                                             help_text=_("Legacy rule: isolation details must be written on the permit."))
    requires_structured_isolation = models.BooleanField(_("requires structured isolation"), default=False,
                                                        help_text=_("Approval and activation need verified isolation points."))
    requires_deisolation_on_closeout = models.BooleanField(_("requires de-isolation on closeout"), default=False)
    max_validity_hours = models.PositiveIntegerField(_("maximum validity (hours)"), default=12)
    max_extensions = models.PositiveIntegerField(_("maximum extensions"), default=2)
    mandatory_ppe = models.JSONField(_("mandatory PPE"), default=list, blank=True,
                                     help_text=_("List of PPE items every permit of this type must include."))
    safety_checklist_items = models.JSONField(_("safety checklist items"), default=list, blank=True,
                                              help_text=_('List of {"key": ..., "label": ...} that must all be ticked.'))
    required_gases = models.JSONField(_("gases to test"), default=default_required_gases, blank=True)
    gas_limits = models.JSONField(_("gas limits"), default=default_gas_limits, blank=True,
                                  help_text=_('Per gas: {"min": .., "max": .., "unit": ..}.'))
    gas_reading_validity_minutes = models.PositiveIntegerField(_("gas reading validity (minutes)"), default=120)
    location_overlap_policy = models.CharField(_("same location and time as another permit"), max_length=10,
                                               choices=OverlapPolicy.choices, default=OverlapPolicy.WARN)
    allow_verifier_as_approver = models.BooleanField(
        _("verifier may also approve"), default=False,
        help_text=_("Small sites only: one person may verify and approve. The requester never verifies or approves "
                    "their own permit."))
    is_active = models.BooleanField(_("active"), default=True)
    #: Training modules every crew member must hold a valid certificate for (ids of the training
    #: add-on's modules, opaque here: validated and checked through ohms_core.providers).
    required_training_modules = models.JSONField(
        _("required training modules"), default=list, blank=True,
        help_text=_("Every worker on a permit of this type must hold a valid certificate for each of these modules."))

    class Meta:
        verbose_name = _("permit type")
        verbose_name_plural = _("permit types")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "code"], condition=Q(is_deleted=False),
                                               name="permittype_code_unique_per_org")]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if not isinstance(self.mandatory_ppe, list) or not all(isinstance(i, str) for i in self.mandatory_ppe):
            errors["mandatory_ppe"] = _("A list of texts is expected.")
        items = self.safety_checklist_items
        if not isinstance(items, list) or not all(isinstance(i, dict) and i.get("key") and i.get("label") for i in items):
            errors["safety_checklist_items"] = _('A list of {"key", "label"} is expected.')
        if not isinstance(self.gas_limits, dict):
            errors["gas_limits"] = _("A mapping gas → limits is expected.")
        training_errors = providers.competency_validate(self.organization if self.organization_id else None,
                                                        self.required_training_modules)
        if training_errors:
            errors["required_training_modules"] = training_errors
        if errors:
            raise ValidationError(errors)


LEVEL_ORDER = [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.EXTREME]


def default_risk_grid():
    """Rows: likelihood 1..5, columns: severity 1..5 (score = L x S)."""
    def level(score):
        if score <= 4:
            return RiskLevel.LOW.value
        if score <= 9:
            return RiskLevel.MEDIUM.value
        if score <= 16:
            return RiskLevel.HIGH.value
        return RiskLevel.EXTREME.value

    return [[level(likelihood * severity) for severity in range(1, 6)] for likelihood in range(1, 6)]


class RiskMatrix(BaseModel):
    name = models.CharField(_("name"), max_length=200)
    grid = models.JSONField(_("grid"), default=default_risk_grid,
                            help_text=_("5 rows (likelihood 1-5) of 5 levels (severity 1-5)."))
    is_default = models.BooleanField(_("default matrix"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("risk matrix")
        verbose_name_plural = _("risk matrices")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        grid = self.grid
        valid = set(RiskLevel.values)
        if not (isinstance(grid, list) and len(grid) == 5 and all(isinstance(r, list) and len(r) == 5 and all(c in valid for c in r) for r in grid)):
            raise ValidationError({"grid": _("The grid needs 5 rows of 5 levels (low, medium, high, extreme).")})

    def level_for(self, likelihood: int, severity: int) -> str:
        return self.grid[int(likelihood) - 1][int(severity) - 1]
