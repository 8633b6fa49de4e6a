"""One document library (issue 7, section 2): Wagtail's own Documents and Images libraries
are closed, so no file bypasses our organizations, privacy levels and access log."""
import pytest
from django.core.files.base import ContentFile
from django.test import Client
from wagtail.documents import get_document_model
from wagtail.documents.views.serve import serve as wagtail_serve

from ohms_core import testing

pytestmark = pytest.mark.django_db


def _login(user):
    client = Client()
    assert client.login(username=user.username, password="pass-1234-word")
    return client


@pytest.fixture
def superuser():
    return testing.make_user(is_superuser=True, is_staff=True)


def test_admin_menu_has_no_wagtail_documents_or_images(superuser, org_a):
    body = _login(superuser).get("/admin/").content.decode()
    assert 'href="/admin/documents/"' not in body and 'href="/admin/images/"' not in body


@pytest.mark.parametrize("path", ["/admin/documents/", "/admin/documents/chooser/", "/admin/documents/multiple/add/",
                                  "/admin/images/", "/admin/images/chooser/", "/admin/api/main/documents/",
                                  "/admin/api/main/images/"])
def test_wagtail_library_screens_are_closed(superuser, admin_a, path):
    for user in (superuser, admin_a):
        response = _login(user).get(path)
        assert response.status_code in (302, 404), (path, response.status_code)
        if response.status_code == 302:
            assert response["Location"] == "/admin/core/documents/"
    assert Client().get(path).status_code == 404


def test_wagtail_document_serve_refuses_every_file(superuser, rf):
    Document = get_document_model()
    document = Document(title="Wagtail doc")
    document.file.save("secret.pdf", ContentFile(b"%PDF secret"), save=False)
    document.save()
    request = rf.get("/documents/x/")
    request.user = superuser
    response = wagtail_serve(request, document.pk, document.filename)
    assert response.status_code == 404
    assert not any(b"secret" in chunk for chunk in getattr(response, "streaming_content", [response.content]))


def test_document_admin_inspect_links_to_checked_download(client_a, admin_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    created = client_a.post("/api/v1/core/documents/", {
        "title": "Plan", "file": SimpleUploadedFile("plan.pdf", b"%PDF plan")}, format="multipart")
    assert created.status_code == 201, created.content
    body = _login(admin_a).get(f"/admin/core/documents/inspect/{created.json()['id']}/").content.decode()
    assert f"/api/v1/core/documents/{created.json()['id']}/download/" in body
    assert "/media/" not in body


def test_admin_edit_with_new_file_makes_a_new_revision(client_a, admin_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ohms_core.models import Document

    created = client_a.post("/api/v1/core/documents/", {
        "title": "Plan", "file": SimpleUploadedFile("plan.pdf", b"%PDF v1")}, format="multipart")
    doc = Document.objects.get(pk=created.json()["id"])
    response = _login(admin_a).post(f"/admin/core/documents/edit/{doc.pk}/", {
        "title": "Plan", "document_type": "other", "privacy_level": "internal",
        "file": SimpleUploadedFile("plan-v2.pdf", b"%PDF v2 longer"),
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    doc.refresh_from_db()
    assert doc.is_current is False
    new = Document.objects.get(parent=doc)
    assert (new.revision, new.is_current, new.file_size) == (2, True, len(b"%PDF v2 longer"))
    with doc.file.open("rb") as handle:
        assert handle.read() == b"%PDF v1"
