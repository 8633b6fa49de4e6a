"""PPE items and their compliance checks (SPEC 3.1 ``PPEItem``, SPEC 3.5).

A check is a ``PPEComplianceRecord``; ``is_compliant`` is derived from the status (true iff
``compliant``) in ``save()``, so no path can store a contradiction. The record also keeps
the worker who held the item when it was checked (``worker``): an item handed to someone
else later does not move its past checks to the new holder, and the risk score
(``services.ppe.worker_ppe_facts``) counts each worker's own record.

Condition of the item after a check (``services.ppe.CONDITION_AFTER``): ``damaged`` ->
damaged, ``lost`` -> lost, ``replaced`` -> retired (the checked item was taken out of
service; its substitute is a new item with its own serial number), ``compliant`` on a
damaged or lost item -> good (repaired / found). Other statuses leave the condition alone.
"""
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ohms_core.models import BaseModel

#: SPEC 3.5 target: an enterprise is compliant at 95 % of compliant checks or more.
COMPLIANCE_TARGET = 95


class PPEType(models.TextChoices):
    HELMET = "helmet", _("Helmet")
    SAFETY_GLASSES = "safety_glasses", _("Safety glasses")
    HEARING_PROTECTION = "hearing_protection", _("Hearing protection")
    RESPIRATOR = "respirator", _("Respirator")
    GLOVES = "gloves", _("Gloves")
    SAFETY_BOOTS = "safety_boots", _("Safety boots")
    HIGH_VISIBILITY = "high_visibility", _("High-visibility clothing")
    HARNESS = "harness", _("Harness")
    OTHER = "other", _("Other")


class PPECondition(models.TextChoices):
    NEW = "new", _("New")
    GOOD = "good", _("Good")
    WORN = "worn", _("Worn")
    DAMAGED = "damaged", _("Damaged")
    LOST = "lost", _("Lost")
    RETIRED = "retired", _("Retired")


class CheckType(models.TextChoices):
    ROUTINE = "routine", _("Routine inspection")
    PRE_USE = "pre_use", _("Pre-use check")
    POST_INCIDENT = "post_incident", _("Post-incident check")
    INVENTORY = "inventory", _("Inventory")
    EXPIRY = "expiry", _("Expiry check")
    DAMAGE = "damage", _("Damage report")


class ComplianceStatus(models.TextChoices):
    COMPLIANT = "compliant", _("Compliant")
    NON_COMPLIANT = "non_compliant", _("Non-compliant")
    EXPIRED = "expired", _("Expired")
    DAMAGED = "damaged", _("Damaged")
    LOST = "lost", _("Lost")
    REPLACED = "replaced", _("Replaced")


class PPEItem(BaseModel):
    enterprise = models.ForeignKey("ohms_core.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="ppe_items")
    worker = models.ForeignKey("ohms_core.Worker", verbose_name=_("assigned to"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="ppe_items")
    ppe_type = models.CharField(_("type"), max_length=30, choices=PPEType.choices, db_index=True)
    serial_number = models.CharField(_("serial number"), max_length=100)
    description = models.CharField(_("description"), max_length=200, blank=True,
                                   help_text=_("Make, model or size."))
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True, db_index=True)
    condition = models.CharField(_("condition"), max_length=20, choices=PPECondition.choices,
                                 default=PPECondition.NEW, db_index=True)

    class Meta:
        verbose_name = _("PPE item")
        verbose_name_plural = _("PPE items")
        ordering = ["serial_number"]
        constraints = [models.UniqueConstraint(fields=["organization", "serial_number"], condition=Q(is_deleted=False),
                                               name="ohms_health_ppe_serial_unique_per_org")]

    def __str__(self):
        return f"{self.get_ppe_type_display()} {self.serial_number}"

    def clean(self):
        super().clean()
        errors = {}
        if self.issued_on and self.expiry_date and self.expiry_date < self.issued_on:
            errors["expiry_date"] = _("The expiry date cannot be before the issue date.")
        if self.worker_id and self.enterprise_id and self.worker.enterprise_id != self.enterprise_id:
            errors["worker"] = _("The worker belongs to another enterprise than the item.")
        if errors:
            raise ValidationError(errors)

    def is_expired(self, on=None) -> bool:
        return bool(self.expiry_date and self.expiry_date < (on or timezone.localdate()))


class PPEComplianceRecord(BaseModel):
    ppe_item = models.ForeignKey(PPEItem, verbose_name=_("PPE item"), on_delete=models.PROTECT,
                                 related_name="compliance_records")
    worker = models.ForeignKey("ohms_core.Worker", verbose_name=_("worker"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="ppe_compliance_records", editable=False,
                               help_text=_("Who held the item when it was checked."))
    check_type = models.CharField(_("check type"), max_length=20, choices=CheckType.choices)
    status = models.CharField(_("status"), max_length=20, choices=ComplianceStatus.choices, db_index=True)
    is_compliant = models.BooleanField(_("compliant"), default=False, db_index=True, editable=False)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("checked by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now, db_index=True)
    notes = models.TextField(_("notes"), blank=True)
    action_taken = models.TextField(_("action taken"), blank=True)

    class Meta:
        verbose_name = _("PPE compliance record")
        verbose_name_plural = _("PPE compliance records")
        ordering = ["-checked_at"]
        indexes = [models.Index(fields=["worker", "checked_at"], name="ohms_health_ppe_rec_worker")]

    def __str__(self):
        return f"{self.get_check_type_display()}: {self.get_status_display()} ({date_format(timezone.localtime(self.checked_at), 'SHORT_DATE_FORMAT')})"

    def clean(self):
        super().clean()
        if self.checked_at and self.checked_at > timezone.now() + timedelta(minutes=5):
            raise ValidationError({"checked_at": _("A check cannot be in the future.")})

    def save(self, *args, **kwargs):
        self.is_compliant = self.status == ComplianceStatus.COMPLIANT
        super().save(*args, **kwargs)
