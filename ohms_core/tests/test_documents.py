"""Documents: upload facts, download, privacy, access log, revisions, approval, retention."""
import hashlib
from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_core.models import AuditLog, Document
from ohms_core.services.documents import document_upload, documents_enforce_retention

pytestmark = pytest.mark.django_db

DOCS = "/api/v1/core/documents/"
BODY = "Fiche d'aptitude — Apte au poste.\n".encode()


def _upload(client, content=BODY, name="fiche.txt", content_type="text/plain", **data):
    payload = {"title": "Fiche", "document_type": "medical_record", **data,
               "file": SimpleUploadedFile(name, content, content_type=content_type)}
    return client.post(DOCS, payload, format="multipart")


def _doc(org, privacy="internal", **kw):
    doc = Document(organization=org, title=kw.pop("title", "Doc"), privacy_level=privacy, file_size=3, checksum="x", **kw)
    doc.file.save("d.txt", ContentFile(b"abc"), save=False)
    doc.save()
    return doc


def _download(client, doc_id):
    response = client.get(f"{DOCS}{doc_id}/download/")
    content = b"".join(response.streaming_content) if response.status_code == 200 else None
    return response, content


# --- upload and download ---------------------------------------------------------------------

def test_upload_stores_size_checksum_and_type(client_a, org_a, admin_a):
    response = _upload(client_a)
    assert response.status_code == 201, response.json()
    body = response.json()
    digest = hashlib.sha256(BODY).hexdigest()
    assert body["file_size"] == len(BODY)
    assert body["checksum"] == digest
    assert body["mime_type"] == "text/plain"
    assert body["revision"] == 1 and body["is_current"] is True
    assert body["approval_status"] == "draft"
    assert body["download_url"].endswith(f"/api/v1/core/documents/{body['id']}/download/")
    assert "file" not in body  # write-only: files go through the download endpoint

    doc = Document.objects.get(pk=body["id"])
    assert doc.organization_id == org_a.pk
    assert doc.created_by_id == admin_a.pk
    assert (doc.file_size, doc.checksum, doc.mime_type) == (len(BODY), digest, "text/plain")
    with doc.file.open("rb") as fh:
        assert fh.read() == BODY
    # <organization>/<kind>/<random>.<ext>: never the client's file name.
    org_dir, kind, stored = doc.file.name.split("/")
    assert (org_dir, kind) == (str(org_a.pk), "documents")
    assert stored.endswith(".txt") and len(stored) == 32 + 4
    assert AuditLog.objects.filter(action="create", object_id=str(doc.pk)).count() == 1


def test_mime_type_is_guessed_when_the_client_sends_none(org_a, admin_a):
    upload = SimpleUploadedFile("rapport.pdf", b"%PDF-1.4 ...", content_type="")
    with acting_as(user=admin_a, organization=org_a):
        doc = document_upload(organization=org_a, data={"title": "R", "file": upload}, user=admin_a)
    assert doc.mime_type == "application/pdf"


def test_download_streams_the_same_bytes_with_checksum_header(client_a):
    doc_id = _upload(client_a).json()["id"]
    response, content = _download(client_a, doc_id)
    assert response.status_code == 200
    assert content == BODY
    assert response["X-Checksum-SHA256"] == hashlib.sha256(BODY).hexdigest()
    assert "attachment" in response["Content-Disposition"]
    assert "fiche" in response["Content-Disposition"]


def test_empty_file_is_400(client_a):
    response = _upload(client_a, content=b"")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "code", "errors"}
    assert "file" in body["errors"]
    assert Document.objects.count() == 0


def test_missing_file_is_400(client_a):
    response = client_a.post(DOCS, {"title": "Sans fichier"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["errors"]
    assert Document.objects.count() == 0


@override_settings(OHMS_DOCUMENT_MAX_BYTES=16)
def test_oversized_file_is_400(client_a):
    response = _upload(client_a, content=b"x" * 17)
    assert response.status_code == 400
    assert "file" in response.json()["errors"]
    assert Document.objects.count() == 0
    assert _upload(client_a, content=b"x" * 16).status_code == 201


def test_file_cannot_be_replaced_by_patch(client_a):
    doc_id = _upload(client_a).json()["id"]
    response = client_a.patch(f"{DOCS}{doc_id}/", {"file": SimpleUploadedFile("autre.txt", b"autre")}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["errors"]
    assert Document.objects.get(pk=doc_id).checksum == hashlib.sha256(BODY).hexdigest()


# --- privacy and access log ------------------------------------------------------------------

@pytest.fixture
def restricted(org_a):
    return _doc(org_a, "restricted", title="Dossier médical")


def test_restricted_document_is_invisible_to_permit_requester(org_a, restricted):
    internal = _doc(org_a, "internal", title="Procédure")
    user = testing.make_member(org_a, "permit_requester")
    client = testing.token_client(user, org_a)
    ids = {r["id"] for r in client.get(DOCS).json()["results"]}
    assert ids == {str(internal.pk)}
    assert client.get(f"{DOCS}{restricted.pk}/").status_code == 404
    assert _download(client, restricted.pk)[0].status_code == 404
    assert client.patch(f"{DOCS}{restricted.pk}/", {"title": "x"}, format="json").status_code == 404
    assert not AuditLog.objects.filter(action="view").exists()


@pytest.mark.parametrize("role", ["medical_officer", "compliance_officer", "org_admin"])
def test_restricted_document_is_visible_to_medical_roles(org_a, restricted, role):
    user = testing.make_member(org_a, role)
    client = testing.token_client(user, org_a)
    assert str(restricted.pk) in {r["id"] for r in client.get(DOCS).json()["results"]}
    assert client.get(f"{DOCS}{restricted.pk}/").status_code == 200


def test_confidential_is_hidden_from_workers_but_uploaders_see_their_own(org_a):
    worker_user = testing.make_member(org_a, "worker")
    requester = testing.make_member(org_a, "permit_requester")
    confidential = _doc(org_a, "confidential")
    own_restricted = _doc(org_a, "restricted", created_by=requester)
    worker_ids = {r["id"] for r in testing.token_client(worker_user, org_a).get(DOCS).json()["results"]}
    assert str(confidential.pk) not in worker_ids
    requester_ids = {r["id"] for r in testing.token_client(requester, org_a).get(DOCS).json()["results"]}
    assert requester_ids == {str(confidential.pk), str(own_restricted.pk)}


def test_viewing_and_downloading_restricted_documents_is_audited(org_a, restricted):
    user = testing.make_member(org_a, "medical_officer")
    client = testing.token_client(user, org_a)
    assert client.get(f"{DOCS}{restricted.pk}/", HTTP_USER_AGENT="Poste infirmerie").status_code == 200
    response, content = _download(client, restricted.pk)
    assert response.status_code == 200 and content == b"abc"

    rows = list(AuditLog.objects.filter(action="view", object_id=str(restricted.pk)).order_by("timestamp"))
    assert [r.changes for r in rows] == [{"download": False}, {"download": True}]
    assert all(r.user_id == user.pk and r.organization_id == org_a.pk for r in rows)
    assert rows[0].user_agent == "Poste infirmerie"
    # Listing does not log each row; internal documents are not logged.
    client.get(DOCS)
    internal = _doc(org_a, "internal")
    client.get(f"{DOCS}{internal.pk}/")
    assert AuditLog.objects.filter(action="view").count() == 2


# --- revisions and approval ------------------------------------------------------------------

def test_new_version_creates_revision_two(client_a):
    first_id = _upload(client_a, privacy_level="confidential", title="Procédure LOTO").json()["id"]
    v2 = b"Version 2 de la procedure"
    response = client_a.post(f"{DOCS}{first_id}/new_version/",
                             {"file": SimpleUploadedFile("loto-v2.txt", v2, content_type="text/plain")}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["revision"] == 2
    assert body["parent"] == first_id
    assert body["is_current"] is True
    assert body["title"] == "Procédure LOTO"
    assert body["privacy_level"] == "confidential"
    assert body["checksum"] == hashlib.sha256(v2).hexdigest()
    assert body["file_size"] == len(v2)

    first = Document.objects.get(pk=first_id)
    assert first.is_current is False
    assert first.revision == 1
    assert first.checksum == hashlib.sha256(BODY).hexdigest()
    assert _download(client_a, body["id"])[1] == v2
    assert _download(client_a, first_id)[1] == BODY
    current = client_a.get(DOCS, {"current": "true"}).json()["results"]
    assert [r["id"] for r in current] == [body["id"]]

    # Only the current revision can get a new one.
    again = client_a.post(f"{DOCS}{first_id}/new_version/", {"file": SimpleUploadedFile("v3.txt", b"v3")}, format="multipart")
    assert again.status_code == 400
    assert "file" in again.json()["errors"]
    assert Document.objects.count() == 2


def test_new_version_without_file_is_400(client_a):
    doc_id = _upload(client_a).json()["id"]
    response = client_a.post(f"{DOCS}{doc_id}/new_version/", {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["errors"]
    assert Document.objects.get(pk=doc_id).is_current is True


def test_approval_sets_who_and_when(client_a, admin_a):
    doc_id = _upload(client_a).json()["id"]
    response = client_a.post(f"{DOCS}{doc_id}/approval/", {"approval_status": "approved"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["approval_status"] == "approved"
    assert response.json()["approved_by"] == admin_a.pk
    doc = Document.objects.get(pk=doc_id)
    assert doc.approved_by_id == admin_a.pk
    assert doc.approved_at is not None
    audit = AuditLog.objects.filter(action="update", object_id=doc_id).latest("timestamp")
    assert audit.changes == {"approval_status": {"before": "draft", "after": "approved"}}

    rejected = client_a.post(f"{DOCS}{doc_id}/approval/", {"approval_status": "rejected"}, format="json")
    assert rejected.status_code == 200
    doc.refresh_from_db()
    assert doc.approval_status == "rejected"
    assert doc.approved_by_id is None and doc.approved_at is None


def test_approval_with_unknown_status_is_400(client_a):
    doc_id = _upload(client_a).json()["id"]
    response = client_a.post(f"{DOCS}{doc_id}/approval/", {"approval_status": "maybe"}, format="json")
    assert response.status_code == 400
    assert "approval_status" in response.json()["errors"]
    assert Document.objects.get(pk=doc_id).approval_status == "draft"


def test_approval_is_refused_to_read_only_roles(org_a):
    doc = _doc(org_a)
    user = testing.make_member(org_a, "auditor")
    response = testing.token_client(user, org_a).post(f"{DOCS}{doc.pk}/approval/", {"approval_status": "approved"}, format="json")
    assert response.status_code == 403
    doc.refresh_from_db()
    assert doc.approval_status == "draft" and doc.approved_by_id is None


# --- retention -------------------------------------------------------------------------------

def test_retention_soft_deletes_documents_past_their_date(org_a, org_b):
    today = date(2030, 6, 15)
    past = _doc(org_a, retention_until=today - timedelta(days=1))
    past_b = _doc(org_b, retention_until=date(2001, 1, 1))
    due_today = _doc(org_a, retention_until=today)
    future = _doc(org_a, retention_until=today + timedelta(days=1))
    forever = _doc(org_a)

    assert documents_enforce_retention(today=today) == 2

    assert Document.all_objects.get(pk=past.pk).is_deleted
    assert Document.all_objects.get(pk=past_b.pk).is_deleted
    for doc in (due_today, future, forever):
        assert Document.objects.filter(pk=doc.pk).exists()
    audits = AuditLog.objects.filter(action="delete")
    assert {a.object_id for a in audits} == {str(past.pk), str(past_b.pk)}
    assert {a.organization_id for a in audits} == {org_a.pk, org_b.pk}
    # Running again finds nothing left to do.
    assert documents_enforce_retention(today=today) == 0


def test_retention_handles_more_than_one_chunk(org_a):
    Document.objects.bulk_create(
        [Document(organization=org_a, title=f"Vieux {n}", file=f"documents/x/{n}.txt", retention_until=date(2000, 1, 1))
         for n in range(205)]
    )
    assert documents_enforce_retention(today=date(2030, 1, 1)) == 205
    assert Document.objects.count() == 0
    assert Document.all_objects.filter(is_deleted=True).count() == 205
