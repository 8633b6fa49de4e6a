"""Document use cases: upload (checksum, size, type), new revision, approval, access log,
retention enforcement."""
from __future__ import annotations

import hashlib
import mimetypes

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ApprovalStatus, AuditAction, Document
from .audit import audit_record
from .records import record_create, record_soft_delete


def _file_facts(uploaded) -> dict:
    size = getattr(uploaded, "size", None) or 0
    if size > settings.OHMS_DOCUMENT_MAX_BYTES:
        raise ValidationError({"file": [_("The file is larger than the %(limit)s allowed.") % {"limit": filesizeformat(settings.OHMS_DOCUMENT_MAX_BYTES)}]})
    if size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    name = getattr(uploaded, "name", "") or ""
    mime = getattr(uploaded, "content_type", "") or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return {"file_size": size, "checksum": digest.hexdigest(), "mime_type": mime[:120]}


def document_upload(*, organization, data: dict, user=None) -> Document:
    uploaded = data.get("file")
    if not uploaded:
        raise ValidationError({"file": [_("A file is required.")]})
    data = {**data, **_file_facts(uploaded)}
    return record_create(model=Document, organization=organization, data=data, user=user)


def document_new_revision(*, document: Document, uploaded, user=None) -> Document:
    """Upload a new revision: the old one stays (history), the new one becomes current."""
    with transaction.atomic():
        current = Document.objects.select_for_update().get(pk=document.pk)
        if not current.is_current:
            raise ValidationError({"file": [_("Only the current revision can get a new version.")]})
        fields = {
            name: getattr(current, name)
            for name in ("title", "document_type", "privacy_level", "encrypted", "access_logging_required",
                         "retention_until", "contact", "worker", "description")
        }
        new = document_upload(
            organization=current.organization,
            data={**fields, "file": uploaded, "parent": current, "revision": current.revision + 1},
            user=user,
        )
        current.is_current = False
        current.save(update_fields=["is_current"])
    return new


def document_set_approval(*, document: Document, status: str, user) -> Document:
    if status not in ApprovalStatus.values:
        raise ValidationError({"approval_status": [_("Unknown approval status.")]})
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        before = locked.approval_status
        locked.approval_status = status
        locked.approved_by = user if status == ApprovalStatus.APPROVED else None
        locked.approved_at = timezone.now() if status == ApprovalStatus.APPROVED else None
        locked.save()
        audit_record(action=AuditAction.UPDATE, obj=locked, user=user, changes={"approval_status": {"before": before, "after": status}})
    return locked


def document_log_access(*, document: Document, user=None, download: bool = False) -> None:
    """Record a view/download when the document asks for access logging."""
    if document.logs_access:
        audit_record(action=AuditAction.VIEW, obj=document, user=user, changes={"download": download})


def documents_enforce_retention(*, today=None) -> int:
    """Soft delete documents past their retention date (daily job). Returns how many."""
    today = today or timezone.localdate()
    count = 0
    for document in Document.objects.filter(retention_until__lt=today).only("pk", "organization_id").iterator(chunk_size=200):
        record_soft_delete(instance=document)
        count += 1
    return count
