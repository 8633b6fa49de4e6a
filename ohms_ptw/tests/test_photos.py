"""Permit photos: one service for the admin and the API, hashed, deduplicated, audited."""
import base64
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ..models import PermitAudit, PermitPhoto

pytestmark = pytest.mark.django_db
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def _png(name="p.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def test_api_photo_upload_hash_and_dedupe(w):
    pid = w.create_permit()["id"]
    client = w.client(w.issuer)
    r = client.post("/api/v1/ptw/permit-photos/", {"permit": pid, "photo_type": "before", "file": _png(),
                                                    "taken_at": "2026-11-22T08:00:00Z"}, format="multipart")
    assert r.status_code == 201, r.json()
    assert r.json()["content_hash"] == hashlib.sha256(PNG).hexdigest()
    again = client.post("/api/v1/ptw/permit-photos/", {"permit": pid, "photo_type": "before", "file": _png("retry.png"),
                                                        "taken_at": "2026-11-22T08:00:00Z"}, format="multipart")
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"]  # a retry: the first photo
    assert PermitPhoto.objects.filter(permit_id=pid).count() == 1
    assert PermitAudit.objects.filter(permit_id=pid, action="photo_added").count() == 1
    text = SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")
    bad = client.post("/api/v1/ptw/permit-photos/", {"permit": pid, "file": text, "taken_at": "2026-11-22T08:00:00Z"}, format="multipart")
    assert bad.status_code == 400 and "file" in bad.json()["errors"]


def test_admin_photo_upload(w):
    pid = w.create_permit()["id"]
    client = Client()
    assert client.login(username=w.issuer.username, password="pass-1234-word")
    response = client.post(f"/admin/ptw/permits/{pid}/photos/", {"photo-file": _png(), "photo-photo_type": "during",
                                                                "photo-caption": "Cuve ouverte"})
    assert response.status_code == 302 and response["Location"].endswith("#tab-photos")
    photo = PermitPhoto.objects.get(permit_id=pid)
    assert (photo.caption, photo.photo_type, photo.taken_by) == ("Cuve ouverte", "during", w.issuer)
