"""Evidence photos (append-only): one image check, one content hash, one dedupe rule.

``photo_fingerprint`` is the single gate every PTW photo goes through (permit photos and
LOTO lock evidence, ``services/loto.py``): size limit, the bytes must be a raster image
Pillow recognises (never an SVG or HTML page: stored XSS), and its SHA-256.
"""
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
from . import offline
from .audit import permit_audit
from .rules import refuse_if

PHOTO_MAX_BYTES = 15 * 1024 * 1024


def photo_fingerprint(upload, *, field: str = "file") -> str:
    """Check an uploaded photo and return its SHA-256 (hex). 400 on ``field`` when it is too
    large, empty or not a JPEG/PNG/WebP/GIF image."""
    if upload is None:
        raise ValidationError({field: [_("Attach a photo.")]})
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError({field: [_("The photo is larger than 15 MB.")]})
    try:
        validate_raster_image(upload)  # the bytes, not the client's type: no SVG/HTML (stored XSS)
    except ValidationError as exc:
        if field == "file":
            raise
        raise ValidationError({field: exc.message_dict.get("file", exc.messages)}) from exc
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def permit_photo_add(*, permit, data: dict, user) -> PermitPhoto:
    """Add a photo (see ``permit_photo_submit``); returns it, new or the first of its retries."""
    return permit_photo_submit(permit=permit, data=data, user=user).record


def permit_photo_submit(*, permit, data: dict, user) -> offline.Submitted:
    """Evidence photo (append-only) with its SHA-256. One dedupe rule for every path:

    * with an ``offline_id``: the same id from the same device (``services/offline.py``) is
      a retry and gives back the first photo; the same id with other bytes is a 409;
    * otherwise (and for a new offline id) the same bytes already on this permit are the
      same evidence: the existing photo is given back, nothing is stored twice.

    A closed permit takes no new photo (a retry of one sent before closing is answered).
    """
    content_hash = photo_fingerprint(data.get("file"))
    offline_id, device_id = offline.offline_keys(data)
    data = {**data, "offline_id": offline_id, "device_id": device_id}

    def create():
        refuse_if(gates.permit_open_gate(permit))
        with transaction.atomic():
            photo = record_create(model=PermitPhoto, organization=permit.organization, user=user, data={
                **data, "permit": permit, "content_hash": content_hash, "taken_by": user,
                "taken_at": data.get("taken_at") or timezone.now()})
            permit_audit(permit=permit, action="photo_added", user=user, data={"photo": str(photo.pk)})
        return photo

    if not offline.offline_find(PermitPhoto, permit=permit, offline_id=offline_id, device_id=device_id):
        same_bytes = PermitPhoto.objects.filter(permit=permit, content_hash=content_hash).first()
        if same_bytes is not None:
            return offline.Submitted(same_bytes, created=False)
    return offline.offline_submit(model=PermitPhoto, permit=permit, data=data,
                                  compare=lambda existing: {"content_hash": content_hash}, create=create)
