"""People (SPEC 1.5): a Contact is any person or party; a Worker is an employee on site.

A Worker holds identity and employment only (DECISIONS 12): medical content lives in the
occupational-health add-on, and core asks ``providers.worker_fitness`` for fit / not fit."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import BaseModel
from .tenancy import Enterprise, Site


class ContactType(models.TextChoices):
    STAFF = "staff", _("Staff")
    PATIENT = "patient", _("Patient")
    PROVIDER = "provider", _("Provider")
    VENDOR = "vendor", _("Vendor / contractor")


class ContactMethod(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    POST = "post", _("Post")


class Contact(BaseModel):
    contact_type = models.CharField(_("type"), max_length=20, choices=ContactType.choices, default=ContactType.STAFF)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address (line 2)"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    province = models.CharField(_("province"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, default="CD")
    medical_record_number = models.CharField(_("medical record number"), max_length=50, blank=True)
    insurance_provider = models.CharField(_("insurance provider"), max_length=200, blank=True)
    insurance_number = models.CharField(_("insurance number"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="fr")
    preferred_method = models.CharField(
        _("preferred contact method"), max_length=10, choices=ContactMethod.choices, default=ContactMethod.PHONE
    )
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=200, blank=True)
    emergency_contact_phone = models.CharField(_("emergency contact phone"), max_length=40, blank=True)
    consent_given = models.BooleanField(_("data-processing consent"), default=False)
    consent_date = models.DateTimeField(_("consent date"), null=True, blank=True)
    retention_until = models.DateField(_("keep data until"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"], condition=Q(is_deleted=False) & ~Q(email=""),
                name="contact_email_unique_per_org",
            ),
            models.UniqueConstraint(
                fields=["organization", "medical_record_number"],
                condition=Q(is_deleted=False) & ~Q(medical_record_number=""),
                name="contact_mrn_unique_per_org",
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()


class Worker(BaseModel):
    contact = models.ForeignKey(Contact, verbose_name=_("contact"), on_delete=models.PROTECT, related_name="workers")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="workers")
    employee_number = models.CharField(_("employee number"), max_length=50)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    exit_date = models.DateField(_("exit date"), null=True, blank=True)
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    exposure_group = models.CharField(_("exposure group"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user account"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="ohms_worker",
    )
    #: Where the worker is based (mine, plant, camp): recall lists and rosters filter on it.
    site = models.ForeignKey(
        Site, verbose_name=_("site"), null=True, blank=True, on_delete=models.SET_NULL, related_name="workers",
    )

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        ordering = ["employee_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "employee_number"], condition=Q(is_deleted=False),
                name="worker_employee_number_unique_per_org",
            ),
        ]

    def __str__(self):
        return f"{self.employee_number} — {self.contact.full_name}"

    def clean(self):
        errors = {}
        if self.hire_date and self.exit_date and self.exit_date < self.hire_date:
            errors["exit_date"] = _("The exit date cannot be before the hire date.")
        if self.date_of_birth and self.hire_date and self.hire_date <= self.date_of_birth:
            errors["hire_date"] = _("The hire date must be after the date of birth.")
        # A site of another organization is never a valid base (tenancy; forms and the API
        # already limit the choices, this guards every other path: services, imports, demo).
        if self.site_id and self.organization_id and self.site.organization_id != self.organization_id:
            errors["site"] = _("Choose a site of this organization.")
        if errors:
            raise ValidationError(errors)
