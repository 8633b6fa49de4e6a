"""Media on S3-compatible storage (OHMS_MEDIA_S3_*): a round trip against moto's S3 server.

Uploads go through the same services as on local files; downloads go through the same
access-checked views, which answer with a redirect to a signed URL valid for a minute.
The bucket itself is private: the object's plain URL is refused.
"""
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from ohms_core import testing
from ohms_core.models import AuditLog, Document
from ohms_core.services.documents import document_upload

pytest.importorskip("moto.server", reason="moto[server] is in the ops extra (make install)")
pytest.importorskip("boto3")

from ohms_core import testing_s3  # noqa: E402

s3_endpoint, s3_media = testing_s3.s3_endpoint, testing_s3.s3_media  # the fixtures this module uses
_fetch, _objects = testing_s3.fetch, testing_s3.s3_objects


@pytest.mark.django_db
def test_restricted_document_round_trip_through_signed_short_lived_url(s3_media):
    org = testing.make_organization("S3A", "Société S3")
    officer = testing.make_member(org, "medical_officer")
    content = "Fiche d'aptitude — restreinte.\n".encode() * 50
    document = document_upload(organization=org, user=officer, data={
        "title": "Dossier", "document_type": "medical_record", "privacy_level": "restricted",
        "file": SimpleUploadedFile("Kabila fiche.txt", content, content_type="text/plain")})

    # Stored in the bucket (under the prefix, private unguessable name), not on disk.
    key = f"media/{document.file.name}"
    assert key in _objects(s3_media)
    assert "Kabila" not in key

    client = testing.token_client(officer, org)
    response = client.get(f"/api/v1/core/documents/{document.pk}/download/")
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Checksum-SHA256"] == hashlib.sha256(content).hexdigest()
    signed = response["Location"]
    parts = urlsplit(signed)
    query = parse_qs(parts.query)
    assert signed.startswith(s3_media)
    assert query["X-Amz-Expires"] == ["60"]
    assert "X-Amz-Signature" in query
    assert query["response-content-disposition"][0].startswith("attachment")

    status, headers, body = _fetch(signed)
    assert status == 200
    assert body == content
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["Content-Disposition"].startswith("attachment")
    # The object's plain URL (no signature) is refused: the bucket is private.
    assert _fetch(f"{parts.scheme}://{parts.netloc}{parts.path}")[0] == 403
    # The download is audited like a streamed one.
    assert AuditLog.objects.filter(action="view", object_id=str(document.pk), changes={"download": True}).exists()

    # Someone without access never gets a URL at all.
    other_org = testing.make_organization("S3B", "Autre SARL")
    outsider = testing.token_client(testing.make_member(other_org, "org_admin"), other_org)
    assert outsider.get(f"/api/v1/core/documents/{document.pk}/download/").status_code == 404
    requester = testing.token_client(testing.make_member(org, "permit_requester"), org)
    denied = requester.get(f"/api/v1/core/documents/{document.pk}/download/")
    assert denied.status_code == 404
    assert "Location" not in denied

    # Deleting the stored file removes the object (same storage API as local files).
    assert Document.objects.filter(pk=document.pk).exists()
    default_storage.delete(document.file.name)
    assert key not in _objects(s3_media)


@pytest.mark.django_db
def test_permit_photo_round_trip_inline_image_on_s3(s3_media):
    if not apps.is_installed("ohms_ptw"):
        pytest.skip("permit-to-work add-on not installed (OHMS_ADDONS)")
    import base64

    from ohms_ptw.tests.factories import PtwWorld

    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
    w = PtwWorld()
    client = w.client(w.issuer)
    pid = w.create_permit()["id"]
    created = client.post("/api/v1/ptw/permit-photos/", {
        "permit": pid, "file": SimpleUploadedFile("site.png", png, content_type="image/png"),
        "taken_at": "2026-11-22T08:00:00Z"}, format="multipart")
    assert created.status_code == 201, created.content
    response = client.get(f"/api/v1/ptw/permit-photos/{created.json()['id']}/download/")
    assert response.status_code == 302
    status, headers, body = _fetch(response["Location"])
    assert status == 200 and body == png
    assert headers["Content-Type"] == "image/png"  # verified raster image: shown inline
    assert headers["Content-Disposition"].startswith("inline")


def _png(width=120, height=90) -> bytes:
    import io

    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), (200, 120, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.django_db
def test_wagtail_image_and_rendition_stored_in_the_bucket_behind_signed_urls(s3_media, client):
    """Wagtail's images (its libraries are closed in the admin, ohms_core.library, but pages
    and renditions still go through its storage code) live in the bucket like every file:
    the original and its rendition are objects, and their URLs are signed and short-lived."""
    from wagtail.images import get_image_model
    from wagtail.images.forms import get_image_form

    testing_s3.ensure_root_collection()
    Image = get_image_model()
    png = _png()
    form = get_image_form(Image)({"title": "Broyeur n°2"},
                                 {"file": SimpleUploadedFile("broyeur.png", png, content_type="image/png")},
                                 user=testing.make_user(is_superuser=True, is_staff=True))
    assert form.is_valid(), form.errors
    image = form.save()
    assert (image.width, image.height) == (120, 90)  # Wagtail read the upload's dimensions
    rendition = image.get_rendition("fill-60x40")
    assert (rendition.width, rendition.height) == (60, 40)
    assert image.get_rendition("fill-60x40").pk == rendition.pk  # reused, not rendered again

    objects = _objects(s3_media)
    original_key, rendition_key = f"media/{image.file.name}", f"media/{rendition.file.name}"
    assert original_key in objects and rendition_key in objects
    assert original_key.startswith("media/original_images/") and rendition_key.startswith("media/images/")

    for url, expected in ((image.file.url, png), (rendition.url, None)):
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        assert url.startswith(s3_media) and "X-Amz-Signature" in query and query["X-Amz-Expires"] == ["60"]
        status, headers, body = _fetch(url)
        assert status == 200 and body.startswith(b"\x89PNG")
        if expected is not None:
            assert body == expected
        assert _fetch(f"{parts.scheme}://{parts.netloc}{parts.path}")[0] == 403  # private bucket

    # Wagtail's own image screens stay closed with S3 media too: an answer, never a 500.
    client.force_login(testing.make_user(is_superuser=True, is_staff=True))
    assert client.get("/admin/images/").status_code == 404
    assert client.get(f"/admin/images/{image.pk}/").status_code == 404
