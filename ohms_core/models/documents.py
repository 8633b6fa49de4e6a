"""Documents (SPEC 1.6): files with checksum, versions, privacy and retention."""
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..files import OrganizationUploadTo
from .base import BaseModel
from .people import Contact, Worker


class DocumentType(models.TextChoices):
    MEDICAL_RECORD = "medical_record", _("Medical record")
    REPORT = "report", _("Report")
    CONTRACT = "contract", _("Contract")
    IMAGING = "imaging", _("Imaging")
    CERTIFICATE = "certificate", _("Certificate")
    PROCEDURE = "procedure", _("Procedure")
    PERMIT_ATTACHMENT = "permit_attachment", _("Permit attachment")
    NDA = "nda", _("Non-disclosure agreement")
    OTHER = "other", _("Other")


class PrivacyLevel(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    CONFIDENTIAL = "confidential", _("Confidential")
    RESTRICTED = "restricted", _("Restricted")


class ApprovalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


def document_upload_to(instance, filename):
    """Former naming (original file name); kept because migration 0001 refers to it."""
    return f"documents/{instance.organization_id}/{instance.id}/{filename}"


class Document(BaseModel):
    title = models.CharField(_("title"), max_length=255)
    document_type = models.CharField(_("type"), max_length=30, choices=DocumentType.choices, default=DocumentType.OTHER)
    file = models.FileField(_("file"), upload_to=OrganizationUploadTo("documents"), max_length=500)
    file_size = models.PositiveBigIntegerField(_("size (bytes)"), default=0, editable=False)
    mime_type = models.CharField(_("MIME type"), max_length=120, blank=True, editable=False)
    checksum = models.CharField(_("SHA-256 checksum"), max_length=64, blank=True, editable=False, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("previous version"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="newer_versions", editable=False,
    )
    revision = models.PositiveIntegerField(_("revision"), default=1, editable=False)
    is_current = models.BooleanField(_("current revision"), default=True, editable=False)
    privacy_level = models.CharField(_("privacy level"), max_length=20, choices=PrivacyLevel.choices, default=PrivacyLevel.INTERNAL)
    encrypted = models.BooleanField(_("encrypted at rest"), default=False)
    access_logging_required = models.BooleanField(
        _("log every access"), default=False,
        help_text=_("Every view and download is written to the audit log. Always on for restricted documents."),
    )
    approval_status = models.CharField(_("approval"), max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.DRAFT)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", editable=False,
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    retention_until = models.DateField(_("keep until"), null=True, blank=True)
    contact = models.ForeignKey(Contact, verbose_name=_("contact"), null=True, blank=True, on_delete=models.PROTECT, related_name="documents")
    worker = models.ForeignKey(Worker, verbose_name=_("worker"), null=True, blank=True, on_delete=models.PROTECT, related_name="documents")
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.title} (r{self.revision})"

    def get_file_display(self):
        """The admin shows the access-checked download, never the storage path."""
        if not self.file:
            return ""
        return format_html('<a href="{}">{}</a>', reverse("document-download", kwargs={"pk": self.pk}), _("Download"))

    @property
    def logs_access(self) -> bool:
        return self.access_logging_required or self.privacy_level == PrivacyLevel.RESTRICTED
