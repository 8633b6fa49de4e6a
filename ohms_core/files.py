"""Uploaded files: where they are stored, which images we accept, how they are served.

Why this module exists (issue 7, 1b): uploads used to sit under their original names in
folders shared by every organization and were served by a public ``/media/`` route. Now:

* every upload is stored as ``<organization uuid>/<kind>/<random uuid><ext>``
  (:class:`OrganizationUploadTo`), so a stored name says nothing about its content and
  cannot be guessed;
* an "image" is only accepted when Pillow recognises its bytes as JPEG, PNG, WebP or GIF
  (:func:`validate_raster_image`): an SVG, an HTML page or a text file renamed ``.jpg``
  is refused, because it would run script from our origin if it were ever shown inline;
* files are only served by access-checked views (:func:`file_response`): download
  (``attachment``) by default, ``inline`` only for an image we verified, always with
  ``nosniff`` and a sandboxing Content-Security-Policy, streamed from the storage
  backend; on S3-compatible storage they redirect instead to a signed URL valid for
  ``OHMS_MEDIA_S3_URL_EXPIRE`` seconds (objects are private, never a public URL).
"""
from __future__ import annotations

import os
import re
import uuid

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponseRedirect
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

#: Pillow format name -> (MIME type, file extension) of the raster images we accept.
RASTER_FORMATS = {
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
    "GIF": ("image/gif", ".gif"),
}
INLINE_SAFE_TYPES = frozenset(mime for mime, _ext in RASTER_FORMATS.values())

_SAFE_EXT = re.compile(r"^\.[a-z0-9]{1,10}$")


def safe_extension(filename: str) -> str:
    """The lower-case extension of a client file name, or "" when it is not plain."""
    ext = os.path.splitext(filename or "")[1].lower()
    return ext if _SAFE_EXT.match(ext) else ""


@deconstructible
class OrganizationUploadTo:
    """``upload_to`` callable: ``<organization uuid>/<kind>/<uuid4><ext>``.

    The client's file name is never part of the stored name (it can carry personal data
    and paths); only a plain extension survives, so downloads keep a useful suffix.
    """

    def __init__(self, kind: str):
        self.kind = kind

    def __call__(self, instance, filename: str) -> str:
        org = getattr(instance, "organization_id", None) or "unscoped"
        return f"{org}/{self.kind}/{uuid.uuid4().hex}{safe_extension(filename)}"

    def __eq__(self, other):
        return isinstance(other, OrganizationUploadTo) and other.kind == self.kind

    def __hash__(self):
        return hash(("OrganizationUploadTo", self.kind))


def validate_raster_image(uploaded) -> tuple[str, str]:
    """Check the bytes of an uploaded image; return ``(mime type, extension)``.

    Raises ``ValidationError({"file": ...})`` unless Pillow identifies the content as
    JPEG, PNG, WebP or GIF and its structure verifies. The client's content type and
    file name are ignored: they are what an attacker controls.
    """
    from PIL import Image, UnidentifiedImageError

    refused = ValidationError({"file": [_("Only JPEG, PNG, WebP or GIF images can be attached as photos.")]})
    if uploaded is None or not getattr(uploaded, "size", 0):
        raise ValidationError({"file": [_("The file is empty.")]})
    try:
        uploaded.seek(0)
        with Image.open(uploaded) as image:
            image_format = (image.format or "").upper()
            if image_format not in RASTER_FORMATS:
                raise refused
            image.verify()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise refused from exc
    finally:
        try:
            uploaded.seek(0)
        except (OSError, ValueError):
            pass
    return RASTER_FORMATS[image_format]


def sniff_raster_image(fieldfile) -> str:
    """MIME type of a stored file when it is a raster image we accept, else ""."""
    from PIL import Image

    try:
        with fieldfile.open("rb") as handle, Image.open(handle) as image:
            image_format = (image.format or "").upper()
    except Exception:  # noqa: BLE001 - anything unreadable is simply not inline-safe
        return ""
    return RASTER_FORMATS.get(image_format, ("", ""))[0]


def signed_storage_url(fieldfile, *, filename: str, as_attachment: bool, content_type: str) -> str:
    """A signed, short-lived URL of the object when the storage is S3-compatible, else "".

    Called only by :func:`file_response`, i.e. after the view's access check: the web
    process does not stream the bytes (the bucket does), but nobody gets a URL without
    passing the check, and the URL expires after ``OHMS_MEDIA_S3_URL_EXPIRE`` seconds.
    The bucket is told the name, type and caching of the response so the browser treats
    it as the streamed response would be treated.
    """
    storage = fieldfile.storage
    if not (getattr(storage, "querystring_auth", False) and getattr(storage, "bucket_name", None)):
        return ""
    from django.conf import settings
    from django.utils.http import content_disposition_header

    return storage.url(fieldfile.name, parameters={
        "ResponseContentDisposition": content_disposition_header(as_attachment, filename),
        "ResponseContentType": content_type,
        "ResponseCacheControl": "private, no-store",
    }, expire=getattr(settings, "OHMS_MEDIA_S3_URL_EXPIRE", 60))


def file_response(fieldfile, *, filename: str = "", inline_image: bool = False, checksum: str = "") -> FileResponse | HttpResponseRedirect:
    """Stream a stored file safely (see module docstring); on S3, redirect to a signed URL.

    ``inline_image=True`` only lets a raster image we recognise be shown inline; anything
    else, and every other file, is an attachment with a neutral type.
    """
    mime = sniff_raster_image(fieldfile) if inline_image else ""
    as_attachment = mime not in INLINE_SAFE_TYPES
    name = filename or os.path.basename(fieldfile.name)
    signed = signed_storage_url(fieldfile, filename=name, as_attachment=as_attachment,
                                content_type=mime if not as_attachment else "application/octet-stream")
    if signed:
        redirect = HttpResponseRedirect(signed)
        redirect["Cache-Control"] = "private, no-store"
        redirect["Referrer-Policy"] = "no-referrer"
        if checksum:
            redirect["X-Checksum-SHA256"] = checksum
        return redirect
    handle = fieldfile.storage.open(fieldfile.name, "rb")
    response = FileResponse(handle, as_attachment=as_attachment, filename=name)
    response["Content-Type"] = mime if not as_attachment else "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    if checksum:
        response["X-Checksum-SHA256"] = checksum
    return response
