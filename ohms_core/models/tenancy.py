"""Tenancy: Organization > Site > Project, Enterprise (employer), Membership (role)."""
from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..roles import Role
from .base import BaseModel, TrackedModel

code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{0,19}$",
    _("Use 1-20 capital letters, digits or hyphens, e.g. KCC or KOV-1."),
)


class Organization(TrackedModel):
    """The tenant. Every business row carries one; nothing crosses between them."""

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(
        _("short code"), max_length=20, validators=[code_validator],
        help_text=_("Used in permit numbers (PTW-<CODE>-<YEAR>-00001)."),
    )
    country = models.CharField(_("country"), max_length=2, default="CD")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=Q(is_deleted=False), name="org_code_unique_alive"),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Site(BaseModel):
    """A physical location: a mine, a plant, a camp."""

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=20, validators=[code_validator])
    province = models.CharField(_("province"), max_length=100, blank=True)
    address = models.TextField(_("address"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], condition=Q(is_deleted=False), name="site_code_unique_per_org"
            ),
        ]

    def __str__(self):
        return self.name


class Enterprise(BaseModel):
    """An employer within the tenant (the mine operator, a contractor)."""

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=20, validators=[code_validator])
    cnss_employer_number = models.CharField(_("CNSS employer number"), max_length=50, blank=True)
    is_contractor = models.BooleanField(_("contractor"), default=False)
    address = models.TextField(_("address"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], condition=Q(is_deleted=False), name="enterprise_code_unique_per_org"
            ),
        ]

    def __str__(self):
        return self.name


class Project(BaseModel):
    """The unit permits, isolation points and webhooks are scoped to."""
    tenancy_project_path = "pk"  # tenancy: ohms_core.scoping

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=20, validators=[code_validator])
    site = models.ForeignKey(Site, verbose_name=_("site"), null=True, blank=True, on_delete=models.PROTECT, related_name="projects")
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), null=True, blank=True, on_delete=models.PROTECT, related_name="projects"
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], condition=Q(is_deleted=False), name="project_code_unique_per_org"
            ),
        ]

    def __str__(self):
        return self.name


class Membership(BaseModel):
    """A user acting in an organization with one role, on some (or all) projects."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="ohms_memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    projects = models.ManyToManyField(
        Project, verbose_name=_("projects"), blank=True, related_name="memberships",
        help_text=_("Leave empty for access to every project of the organization."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    #: An existing user of another organization is invited, never attached: the membership
    #: stays inactive until they accept it (services.tenancy.membership_invitation_accept).
    invitation = models.CharField(
        _("invitation"), max_length=16, blank=True, default="", editable=False,
        choices=[("", _("none")), ("pending", _("pending")), ("declined", _("declined"))],
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organization__name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], condition=Q(is_deleted=False), name="membership_unique_per_org"
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} @ {self.organization.code}"
