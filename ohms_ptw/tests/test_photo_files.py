"""Permit photos as files (issue 7, 1b): only real raster images are accepted, they are
stored under unguessable per-organization names and served only to members who can see
the permit, never inline as HTML or SVG."""
import base64
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from ohms_core import testing
from ohms_core.models import AuditLog

from ..models import PermitPhoto
from .factories import PtwWorld

pytestmark = pytest.mark.django_db
PHOTOS = "/api/v1/ptw/permit-photos/"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
HTML = b"<html><body><script>alert(1)</script></body></html>"


def _post(w, content, name, content_type, user=None):
    client = w.client(user or w.issuer)
    pid = w.create_permit()["id"]
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    return pid, client.post(PHOTOS, {"permit": pid, "file": upload, "taken_at": "2026-11-22T08:00:00Z"}, format="multipart")


@pytest.mark.parametrize(("content", "name", "content_type"), [
    (SVG, "x.svg", "image/svg+xml"),
    (SVG, "x.png", "image/png"),  # lies about its type
    (HTML, "x.html", "text/html"),
    (HTML, "x.jpg", "image/jpeg"),
    (b"just text", "notes", ""),  # no type, no extension
    (b"", "empty.png", "image/png"),
    (PNG[:20], "truncated.png", "image/png"),
])
def test_non_raster_photos_are_refused_with_400(w, content, name, content_type):
    pid, response = _post(w, content, name, content_type)
    assert response.status_code == 400, response.content
    assert "file" in response.json()["errors"]
    assert not PermitPhoto.objects.filter(permit_id=pid).exists()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_real_raster_images_are_accepted_whatever_their_name(w, fmt):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format=fmt)
    pid, response = _post(w, buffer.getvalue(), "no-extension", "application/octet-stream")
    assert response.status_code == 201, response.content


def test_photo_stored_under_unguessable_org_name_and_served_with_checks(w):
    pid, response = _post(w, PNG, "Kabila John - chantier.png", "image/png")
    assert response.status_code == 201, response.content
    photo = PermitPhoto.objects.get(pk=response.json()["id"])
    org_dir, kind, stored = photo.file.name.split("/")
    assert (org_dir, kind) == (str(w.org.pk), "ptw-photos")
    assert "Kabila" not in stored and stored.endswith(".png")
    # The API shows the access-checked URL, never the storage path.
    url = response.json()["file"]
    assert url.endswith(f"{PHOTOS}{photo.pk}/download/")
    assert photo.file.name not in str(response.json())

    served = w.client(w.issuer).get(f"{PHOTOS}{photo.pk}/download/")
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PNG
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("inline")
    # Audit rows of the photo never carry the stored path.
    for row in AuditLog.objects.filter(object_id=str(photo.pk)):
        assert photo.file.name not in str(row.changes)
        assert stored not in str(row.changes)


def test_photo_download_refused_to_anonymous_other_org_and_other_project(w):
    pid, response = _post(w, PNG, "p.png", "image/png")
    photo_id = response.json()["id"]
    url = f"{PHOTOS}{photo_id}/download/"
    assert Client().get(url).status_code in (401, 403)
    other = PtwWorld(code="OTH")
    assert other.client(other.admin).get(url).status_code == 404
    # A safety manager passes every role check: only the project scope refuses.
    elsewhere = testing.make_member(w.org, "safety_manager", projects=[w.other_project])
    assert testing.token_client(elsewhere, w.org).get(url).status_code == 404


def test_stored_svg_is_never_served_inline(w):
    """Even a file that slipped in before validation existed downloads as an attachment."""
    pid, response = _post(w, PNG, "p.png", "image/png")
    photo = PermitPhoto.objects.get(pk=response.json()["id"])
    with photo.file.storage.open(photo.file.name, "wb") as handle:
        handle.write(SVG)
    served = w.client(w.issuer).get(f"{PHOTOS}{photo.pk}/download/")
    assert served.status_code == 200
    assert served["Content-Disposition"].startswith("attachment")
    assert served["Content-Type"] == "application/octet-stream"
    assert served["X-Content-Type-Options"] == "nosniff"


def test_admin_photos_tab_links_to_checked_url_not_media(w):
    pid, response = _post(w, PNG, "p.png", "image/png")
    client = Client()
    assert client.login(username=w.issuer.username, password="pass-1234-word")
    page = client.get(f"/admin/ptw/permits/inspect/{pid}/")
    assert page.status_code == 200
    html = page.content.decode()
    url = f"{PHOTOS}{response.json()['id']}/download/"
    assert url in html
    assert "/media/" not in html
    # The admin session is enough to see the picture on the permit screen.
    assert client.get(url).status_code == 200
