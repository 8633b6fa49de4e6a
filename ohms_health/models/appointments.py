"""Appointments and billing transactions (SPEC 3.6, placed in ohms_health).

The patient is a core ``Worker`` (the seed's Contact FK; a worker is a contact employed
here). Status values (SPEC leaves them open), run as a django-fsm machine registered
through the manifest (generic transitions API and admin buttons):

    scheduled -> confirmed -> checked_in -> completed
    scheduled / confirmed -> cancelled | no_show
    scheduled -> checked_in (a walk-in: the worker came without a confirmation)

``completed``, ``cancelled`` and ``no_show`` are final. ``medical_exam`` is an appointment
type besides the seed's four: the recall list schedules it with the exam type to perform.
A cancelled appointment frees its slot; every other one keeps the clinician busy
(``services.appointments.double_booking``).
"""
from decimal import Decimal
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from ohms_core.models import BaseModel
from ohms_core.roles import Role
from ohms_core.workflows import StateMachineMixin, role_permission

from .examination import ExamType

#: Who runs the appointment lifecycle: the medical service and org admins.
APPOINTMENT_ROLES = (Role.ORG_ADMIN, Role.MEDICAL_OFFICER)


class AppointmentType(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    PROCEDURE = "procedure", _("Procedure")
    SURGERY = "surgery", _("Surgery")
    MEETING = "meeting", _("Meeting")
    MEDICAL_EXAM = "medical_exam", _("Medical examination")


class AppointmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CONFIRMED = "confirmed", _("Confirmed")
    CHECKED_IN = "checked_in", _("Checked in")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No show")


class Currency(models.TextChoices):
    EUR = "EUR", _("Euro")
    USD = "USD", _("US dollar")
    CDF = "CDF", _("Congolese franc")


def validate_timezone(value):
    if value not in available_timezones():
        raise ValidationError(_("Unknown time zone “%(value)s”."), params={"value": value}, code="invalid")


def validate_billing_codes(value):
    if not isinstance(value, list) or not all(isinstance(code, str) and 0 < len(code) <= 30 for code in value):
        raise ValidationError(_("Billing codes are a list of short texts (30 characters at most)."), code="invalid")


def _default_timezone():
    return settings.TIME_ZONE


_MONEY = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class Appointment(StateMachineMixin, BaseModel):
    worker = models.ForeignKey("ohms_core.Worker", verbose_name=_("patient"), on_delete=models.PROTECT,
                               related_name="appointments")
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"))
    timezone = models.CharField(_("time zone"), max_length=64, default=_default_timezone,
                                validators=[validate_timezone],
                                help_text=_("Where the appointment takes place; times are stored in UTC."))
    appointment_type = models.CharField(_("appointment type"), max_length=20, choices=AppointmentType.choices,
                                        default=AppointmentType.CONSULTATION)
    exam_type = models.CharField(_("exam to perform"), max_length=30, choices=ExamType.choices, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    equipment_requirements = models.TextField(_("equipment requirements"), blank=True)
    provider = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("clinician"), on_delete=models.PROTECT,
                                 related_name="+")
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("staff"), blank=True, related_name="+")
    billing_codes = models.JSONField(_("billing codes"), default=list, blank=True, validators=[validate_billing_codes])
    cost_estimate = models.DecimalField(_("cost estimate"), null=True, blank=True, **_MONEY)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR)
    insurance_authorization = models.CharField(_("insurance authorization"), max_length=100, blank=True)
    preparation_notes = models.TextField(_("preparation notes"), blank=True)
    follow_up_required = models.BooleanField(_("follow-up required"), default=False)
    status = FSMField(_("status"), default=AppointmentStatus.SCHEDULED, choices=AppointmentStatus.choices,
                      protected=True, db_index=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True, editable=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, editable=False)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)

    #: Medical content (what is examined, how the worker prepares, procedure codes): the
    #: audit log, which auditors and compliance officers read, names these fields when they
    #: change but never holds their values (``ohms_core.services.audit.redact_changes``);
    #: rows written before this are shown redacted to every role but these readers.
    audit_redacted_fields = ("preparation_notes", "equipment_requirements", "exam_type", "billing_codes",
                             "insurance_authorization", "follow_up_required")
    audit_redacted_readers = frozenset({Role.ORG_ADMIN, Role.MEDICAL_OFFICER})

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["start"]
        indexes = [models.Index(fields=["provider", "start"], name="ohms_health_appt_provider")]

    def __str__(self):
        return f"{self.get_appointment_type_display()} {date_format(timezone.localtime(self.start), 'SHORT_DATETIME_FORMAT')}"

    @property
    def duration_minutes(self):
        if self.start and self.end:
            return int((self.end - self.start).total_seconds() // 60)
        return None

    def clean(self):
        super().clean()
        errors = {}
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and timezone.is_naive(value):
                errors[name] = _("Give a time with its time zone.")
        if self.start and self.end and not errors and self.end <= self.start:
            errors["end"] = _("The end must be after the start.")
        if self.exam_type and self.appointment_type not in (AppointmentType.MEDICAL_EXAM, AppointmentType.PROCEDURE):
            errors["exam_type"] = _("An exam to perform goes with a medical examination or a procedure.")
        if errors:
            raise ValidationError(errors)

    @transition(field=status, source=AppointmentStatus.SCHEDULED, target=AppointmentStatus.CONFIRMED,
                permission=role_permission(*APPOINTMENT_ROLES), custom={"label": _("Confirm"), "event": "confirmed"})
    def confirm(self):
        self.confirmed_at = timezone.now()

    @transition(field=status, source=[AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED],
                target=AppointmentStatus.CHECKED_IN, permission=role_permission(*APPOINTMENT_ROLES),
                custom={"label": _("Check in"), "event": "checked_in"})
    def check_in(self):
        self.checked_in_at = timezone.now()

    @transition(field=status, source=AppointmentStatus.CHECKED_IN, target=AppointmentStatus.COMPLETED,
                permission=role_permission(*APPOINTMENT_ROLES), custom={"label": _("Complete"), "event": "completed"})
    def complete(self):
        self.completed_at = timezone.now()

    @transition(field=status, source=[AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED],
                target=AppointmentStatus.CANCELLED, permission=role_permission(*APPOINTMENT_ROLES),
                custom={"label": _("Cancel"), "event": "cancelled", "comment_required": True})
    def cancel(self):
        pass

    @transition(field=status, source=[AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED],
                target=AppointmentStatus.NO_SHOW, permission=role_permission(*APPOINTMENT_ROLES),
                custom={"label": _("No show"), "event": "no_show"})
    def mark_no_show(self):
        pass


class TransactionType(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    CHARGE = "charge", _("Charge")
    REFUND = "refund", _("Refund")
    ADJUSTMENT = "adjustment", _("Adjustment")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    INSURANCE = "insurance", _("Insurance")
    CHECK = "check", _("Check")


class Transaction(BaseModel):
    """A billing line (SPEC 3.6). Amounts are never negative: the type says the direction
    (a refund is a refund, not a negative payment)."""

    transaction_type = models.CharField(_("transaction type"), max_length=20, choices=TransactionType.choices,
                                        db_index=True)
    amount = models.DecimalField(_("amount"), **_MONEY)
    tax_amount = models.DecimalField(_("tax amount"), default=Decimal("0"), **_MONEY)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR)
    payment_method = models.CharField(_("payment method"), max_length=20, choices=PaymentMethod.choices, blank=True)
    invoice_number = models.CharField(_("invoice number"), max_length=50, blank=True, db_index=True)
    billing_period_start = models.DateField(_("billing period start"), null=True, blank=True)
    billing_period_end = models.DateField(_("billing period end"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    worker = models.ForeignKey("ohms_core.Worker", verbose_name=_("worker"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="transactions")
    appointment = models.ForeignKey(Appointment, verbose_name=_("appointment"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="transactions")
    description = models.CharField(_("description"), max_length=200, blank=True)
    receipt_required = models.BooleanField(_("receipt required"), default=False)
    receipt_issued = models.BooleanField(_("receipt issued"), default=False)
    receipt_number = models.CharField(_("receipt number"), max_length=50, blank=True)
    receipt_issued_at = models.DateTimeField(_("receipt issued at"), null=True, blank=True)

    class Meta:
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_transaction_type_display()} {number_format(self.amount)} {self.currency}"

    @property
    def total(self):
        return (self.amount or 0) + (self.tax_amount or 0)

    def clean(self):
        super().clean()
        errors = {}
        if self.appointment_id and self.worker_id and self.appointment.worker_id != self.worker_id:
            errors["appointment"] = _("The appointment is of another worker.")
        if self.billing_period_start and self.billing_period_end and self.billing_period_end < self.billing_period_start:
            errors["billing_period_end"] = _("The billing period cannot end before it starts.")
        if self.receipt_issued and not self.receipt_number.strip():
            errors["receipt_number"] = _("An issued receipt has a number.")
        if errors:
            raise ValidationError(errors)
