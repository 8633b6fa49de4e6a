"""Evidence photos (append-only), one per content hash."""
from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core.files import validate_raster_image
from ohms_core.services.records import record_create

from .. import gates
from ..models import PermitPhoto
from .audit import permit_audit
from .rules import refuse_if

PHOTO_MAX_BYTES = 15 * 1024 * 1024


def permit_photo_add(*, permit, data: dict, user) -> PermitPhoto:
    """Evidence photo (append-only) with its SHA-256; the same photo sent twice (offline
    retries) is stored once. A closed permit takes no new photo."""
    refuse_if(gates.permit_open_gate(permit))
    upload = data["file"]
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError({"file": [_("The photo is larger than 15 MB.")]})
    validate_raster_image(upload)  # the bytes, not the client's type: no SVG/HTML (stored XSS)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    content_hash = digest.hexdigest()
    existing = PermitPhoto.objects.filter(permit=permit, content_hash=content_hash).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        photo = record_create(model=PermitPhoto, organization=permit.organization, user=user, data={
            **data, "permit": permit, "content_hash": content_hash, "taken_by": user,
            "taken_at": data.get("taken_at") or timezone.now()})
        permit_audit(permit=permit, action="photo_added", user=user, data={"photo": str(photo.pk)})
    return photo
