"""Closeout checklist templates and a permit's closeout record (SPEC 2.6)."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ohms_core.models import BaseModel

from ..states import RiskLevel
from .config import PermitType
from .permit import Permit


class CloseoutChecklistTemplate(BaseModel):
    permit_type = models.ForeignKey(PermitType, verbose_name=_("permit type"), on_delete=models.PROTECT, related_name="closeout_templates")
    name = models.CharField(_("name"), max_length=200)
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices, blank=True,
                                  help_text=_("Empty: applies to every risk level of the type."))
    items = models.JSONField(_("items"), default=list, help_text=_('List of {"key", "label", "required"}.'))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("closeout checklist template")
        verbose_name_plural = _("closeout checklist templates")
        ordering = ["permit_type__name", "risk_level"]

    def __str__(self):
        return self.name

    def clean(self):
        items = self.items
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) and i.get("key") and i.get("label") for i in items):
            raise ValidationError({"items": _('A non-empty list of {"key", "label", "required"} is expected.')})
        keys = [i["key"] for i in items]
        if len(keys) != len(set(keys)):
            raise ValidationError({"items": _("Item keys must be unique.")})


class PermitCloseout(BaseModel):
    tenancy_project_path = "permit__project"  # tenancy: ohms_core.scoping
    permit = models.OneToOneField(Permit, verbose_name=_("permit"), on_delete=models.CASCADE, related_name="closeout")
    template = models.ForeignKey(CloseoutChecklistTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="+")
    checklist = models.JSONField(_("checklist"), default=dict, blank=True,
                                 help_text=_("item key → {done, by, at}"))
    completed = models.BooleanField(_("completed"), default=False, editable=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("completed by"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+", editable=False)
    remarks = models.TextField(_("remarks"), blank=True)

    class Meta:
        verbose_name = _("permit closeout")
        verbose_name_plural = _("permit closeouts")

    def __str__(self):
        return f"{self.permit} closeout"

    def is_done(self, key) -> bool:
        value = (self.checklist or {}).get(key)
        return bool(value.get("done")) if isinstance(value, dict) else value is True

    def get_missing_required_items(self) -> list[str]:
        return [i["label"] for i in self.template.items if i.get("required", True) and not self.is_done(i["key"])]

    def is_complete(self) -> bool:
        return self.completed and not self.get_missing_required_items()
