"""Files (issue 7, 1b): no public /media/ route, documents stream through the checked
download with safe headers, audit rows never carry a stored path, the raster check."""
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, resolve
from PIL import Image

from ohms_core import testing
from ohms_core.files import OrganizationUploadTo, validate_raster_image
from ohms_core.models import AuditLog, Document

pytestmark = pytest.mark.django_db
DOCS = "/api/v1/core/documents/"


def _upload(client, privacy="restricted", name="certificat médical Kabila.pdf", content=b"%PDF-1.4 secret"):
    payload = {"title": "Certificat", "document_type": "medical_record", "privacy_level": privacy,
               "file": SimpleUploadedFile(name, content, content_type="application/pdf")}
    response = client.post(DOCS, payload, format="multipart")
    assert response.status_code == 201, response.content
    return Document.objects.get(pk=response.json()["id"])


def test_media_path_is_not_routed(client_a):
    doc = _upload(client_a)
    for path in (f"/media/{doc.file.name}", "/media/", f"/{doc.file.name}"):
        with pytest.raises(Resolver404):
            resolve(path)
    assert Client().get(f"/media/{doc.file.name}").status_code == 404


def test_document_download_is_an_attachment_with_nosniff(client_a):
    doc = _upload(client_a, content=b"<html><script>alert(1)</script></html>", name="page.html")
    response = client_a.get(f"{DOCS}{doc.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"<html>")


def test_document_download_refused_to_anonymous_and_other_org(client_a, client_b):
    doc = _upload(client_a)
    url = f"{DOCS}{doc.pk}/download/"
    assert Client().get(url).status_code in (401, 403)
    assert client_b.get(url).status_code == 404


def test_restricted_document_refused_to_roles_outside_privacy(client_a, org_a):
    doc = _upload(client_a)
    auditor = testing.token_client(testing.make_member(org_a, "auditor"), org_a)
    assert auditor.get(f"{DOCS}{doc.pk}/download/").status_code == 404


def test_stored_name_is_unguessable_and_kept_out_of_audit_and_api(client_a, org_a):
    doc = _upload(client_a)
    org_dir, kind, stored = doc.file.name.split("/")
    assert (org_dir, kind) == (str(org_a.pk), "documents")
    assert "Kabila" not in doc.file.name and stored.endswith(".pdf")
    body = client_a.get(f"{DOCS}{doc.pk}/").json()
    assert doc.file.name not in str(body) and stored not in str(body)
    rows = AuditLog.objects.filter(object_id=str(doc.pk))
    assert rows.exists()
    for row in rows:
        assert stored not in str(row.changes) and "Kabila" not in str(row.changes)
    logs = client_a.get("/api/v1/core/audit-log/", {"object_id": str(doc.pk)}).json()
    assert stored not in str(logs)
    # A new revision changes the file: the audit row shows a change, not a path.
    new = client_a.post(f"{DOCS}{doc.pk}/new_version/",
                        {"file": SimpleUploadedFile("v2 Kabila.pdf", b"%PDF-1.4 v2")}, format="multipart")
    assert new.status_code == 201, new.content
    for row in AuditLog.objects.filter(object_id=new.json()["id"]):
        assert "Kabila" not in str(row.changes) and "/documents/" not in str(row.changes)


def test_upload_to_is_per_organization_and_random(org_a):
    upload_to = OrganizationUploadTo("kind")
    doc = Document(organization=org_a)
    first, second = upload_to(doc, "../../etc/passwd.PNG"), upload_to(doc, "a b.png")
    assert first.startswith(f"{org_a.pk}/kind/") and first.endswith(".png") and ".." not in first
    assert first != second
    assert upload_to(doc, "noext").count(".") == 0


def _image(fmt):
    buffer = io.BytesIO()
    Image.new("RGB", (3, 3), "blue").save(buffer, format=fmt)
    return SimpleUploadedFile("x", buffer.getvalue())


@pytest.mark.parametrize(("fmt", "mime"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"), ("GIF", "image/gif")])
def test_validate_raster_image_accepts_the_four_formats(fmt, mime):
    assert validate_raster_image(_image(fmt))[0] == mime


@pytest.mark.parametrize("uploaded", [
    SimpleUploadedFile("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', content_type="image/svg+xml"),
    SimpleUploadedFile("x.html", b"<html></html>", content_type="text/html"),
    SimpleUploadedFile("x", b"plain text"),
    SimpleUploadedFile("x.png", b""),
])
def test_validate_raster_image_refuses_non_raster(uploaded):
    with pytest.raises(ValidationError) as caught:
        validate_raster_image(uploaded)
    assert "file" in caught.value.message_dict


def test_validate_raster_image_refuses_other_pillow_formats():
    with pytest.raises(ValidationError):
        validate_raster_image(_image("BMP"))


def test_relocate_moves_old_public_names_to_private_ones(org_a):
    import io as _io

    from django.core.files.base import ContentFile
    from django.core.management import call_command

    doc = Document(organization=org_a, title="Old", file_size=3, checksum="x")
    doc.save()
    old_name = doc.file.storage.save(f"documents/{org_a.pk}/{doc.pk}/certificat Kabila.pdf", ContentFile(b"abc"))
    Document.all_objects.filter(pk=doc.pk).update(file=old_name)
    out = _io.StringIO()
    call_command("ohms_relocate_files", stdout=out)
    doc.refresh_from_db()
    assert doc.file.name.startswith(f"{org_a.pk}/documents/") and "Kabila" not in doc.file.name
    assert not doc.file.storage.exists(old_name)
    with doc.file.open("rb") as handle:
        assert handle.read() == b"abc"
    call_command("ohms_relocate_files", stdout=out)  # idempotent
    doc.refresh_from_db()
    assert doc.file.name.startswith(f"{org_a.pk}/documents/")
