"""Media on S3-compatible storage (OHMS_MEDIA_S3_*): a round trip against moto's S3 server.

Uploads go through the same services as on local files; downloads go through the same
access-checked views, which answer with a redirect to a signed URL valid for a minute.
The bucket itself is private: the object's plain URL is refused.
"""
import hashlib
import socket
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from ohms_core import testing
from ohms_core.models import AuditLog, Document
from ohms_core.services.documents import document_upload

moto_server = pytest.importorskip("moto.server", reason="moto[server] is in the ops extra (make install)")
boto3 = pytest.importorskip("boto3")

BUCKET = "ohms-media-test"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3-compatible server on a free loopback port, for this module."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing",
                 region_name="us-east-1").create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture
def s3_media(s3_endpoint, settings):
    """STORAGES["default"] as base settings build it from OHMS_MEDIA_S3_* (see base.py)."""
    from django.conf import settings as django_settings

    options = {
        "bucket_name": BUCKET, "endpoint_url": s3_endpoint, **CREDENTIALS, "location": "media",
        "addressing_style": "path", "signature_version": "s3v4", "default_acl": "private",
        "querystring_auth": True, "querystring_expire": 60, "file_overwrite": False, "custom_domain": None,
    }
    storages = {**django_settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}}
    with override_settings(STORAGES=storages, OHMS_MEDIA_S3_URL_EXPIRE=60):
        assert default_storage.__class__.__name__ == "S3Storage"
        yield s3_endpoint


def _fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def _objects(endpoint):
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing",
                          region_name="us-east-1")
    return {o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


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
