"""Wagtail's document chooser backed by OUR library (issue 7, section 2): pages and admin
forms pick documents the acting member may see (organization, projects, privacy), and an
embedded document links to the checked download, never to a storage URL."""
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import NoReverseMatch, reverse

from ohms_core import testing
from ohms_core.blocks import DocumentChooserBlock
from ohms_core.context import acting_as
from ohms_core.models import AuditLog
from ohms_core.services.documents import document_upload

pytestmark = pytest.mark.django_db
CHOOSE = "/admin/core/document-chooser/"
RESULTS = "/admin/core/document-chooser/results/"


def _doc(org, user, title, privacy="internal"):
    with acting_as(user=user, organization=org, role="org_admin"):
        return document_upload(organization=org, user=user, data={
            "title": title, "privacy_level": privacy, "file": SimpleUploadedFile(f"{title}.pdf", b"%PDF " + title.encode())})


def _admin_client(user):
    client = Client()
    client.force_login(user)
    return client


def _modal_html(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return json.loads(response.content)["html"]


@pytest.fixture
def docs(org_a, org_b, admin_a, admin_b):
    return {
        "ours": _doc(org_a, admin_a, "Procedure consignation"),
        "restricted": _doc(org_a, admin_a, "Certificat medical", privacy="restricted"),
        "theirs": _doc(org_b, admin_b, "Plan Bravo"),
    }


def test_chooser_lists_own_organization_documents_only(docs, admin_a):
    html = _modal_html(_admin_client(admin_a).get(CHOOSE))
    assert "Procedure consignation" in html
    assert "Plan Bravo" not in html and str(docs["theirs"].pk) not in html


def test_chooser_hides_restricted_documents_from_roles_that_may_not_read_them(docs, org_a):
    issuer = testing.make_member(org_a, "issuer")
    medical = testing.make_member(org_a, "medical_officer")
    issuer_html = _admin_client(issuer).get(RESULTS).content.decode()
    assert "Procedure consignation" in issuer_html
    assert "Certificat medical" not in issuer_html and str(docs["restricted"].pk) not in issuer_html
    assert "Certificat medical" in _admin_client(medical).get(RESULTS).content.decode()


def test_chooser_searches_by_title(docs, admin_a):
    client = _admin_client(admin_a)
    html = client.get(RESULTS, {"q": "consignation"}).content.decode()
    assert "Procedure consignation" in html and "Certificat medical" not in html
    assert "Procedure consignation" not in client.get(RESULTS, {"q": "nothing-like-it"}).content.decode()


def test_chooser_lists_current_revisions_only(docs, admin_a):
    from ohms_core.services.documents import document_new_revision

    with acting_as(user=admin_a, organization=docs["ours"].organization, role="org_admin"):
        new = document_new_revision(document=docs["ours"], uploaded=SimpleUploadedFile("v2.pdf", b"%PDF v2"), user=admin_a)
    html = _admin_client(admin_a).get(RESULTS).content.decode()
    assert str(new.pk) in html and str(docs["ours"].pk) not in html


def test_chosen_of_own_document_answers_its_id_and_title(docs, admin_a):
    response = _admin_client(admin_a).get(reverse("core_document_chooser:chosen", args=[docs["ours"].pk]))
    assert response.status_code == 200
    result = json.loads(response.content)["result"]
    assert result["id"] == str(docs["ours"].pk) and result["title"].startswith("Procedure consignation")


def test_chosen_of_another_organizations_document_is_404(docs, admin_a):
    client = _admin_client(admin_a)
    assert client.get(reverse("core_document_chooser:chosen", args=[docs["theirs"].pk])).status_code == 404
    assert client.get(reverse("core_document_chooser:chosen", args=["not-a-uuid"])).status_code == 404


def test_chosen_of_a_restricted_document_is_404_for_a_role_that_may_not_read_it(docs, org_a):
    issuer = testing.make_member(org_a, "issuer")
    url = reverse("core_document_chooser:chosen", args=[docs["restricted"].pk])
    assert _admin_client(issuer).get(url).status_code == 404


def test_chosen_multiple_leaves_out_foreign_and_malformed_ids(docs, admin_a):
    response = _admin_client(admin_a).get(reverse("core_document_chooser:chosen_multiple"),
                                          {"id": [str(docs["ours"].pk), str(docs["theirs"].pk), "junk"]})
    assert response.status_code == 200
    assert [item["id"] for item in json.loads(response.content)["result"]] == [str(docs["ours"].pk)]


def test_chooser_has_no_upload_route():
    """A new document goes through our library's service (checksum, audit), not a chooser form."""
    with pytest.raises(NoReverseMatch):
        reverse("core_document_chooser:create")


def test_block_renders_the_checked_download_link(docs):
    html = DocumentChooserBlock().render(docs["ours"])
    assert f'href="/api/v1/core/documents/{docs["ours"].pk}/download/"' in html
    assert "/media/" not in html and docs["ours"].file.name not in html


def test_block_link_is_checked_when_followed(docs, org_a, admin_a):
    """The link serves the file only to members allowed to read it, and logs the access."""
    restricted = docs["restricted"]
    url = reverse("document-download", kwargs={"pk": restricted.pk})
    assert _admin_client(testing.make_member(org_a, "issuer")).get(url).status_code == 404
    before = AuditLog.objects.filter(object_id=str(restricted.pk)).count()
    response = _admin_client(admin_a).get(url)
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert AuditLog.objects.filter(object_id=str(restricted.pk)).count() > before


def test_block_refuses_a_document_the_member_may_not_choose(docs, org_a, admin_a):
    block = DocumentChooserBlock()
    with acting_as(user=admin_a, organization=org_a, role="org_admin"):
        assert block.clean(docs["ours"]) == docs["ours"]
        with pytest.raises(ValidationError):
            block.clean(docs["theirs"])
    issuer = testing.make_member(org_a, "issuer")
    with acting_as(user=issuer, organization=org_a, role="issuer"), pytest.raises(ValidationError):
        block.clean(docs["restricted"])


def test_block_value_round_trips_through_its_stored_id(docs):
    block = DocumentChooserBlock()
    assert block.to_python(block.get_prep_value(docs["ours"])) == docs["ours"]
    assert block.get_form_state(docs["ours"])["id"] == docs["ours"].pk


def test_route_matrix_exercises_the_chooser_routes(org_b, admin_b):
    """The cross-tenant matrix calls every chooser route: the object route with another
    organization's document (404 expected there), the lists for leaks."""
    from ohms_core import testing_routes as matrix

    matrix.load_addon_factories()
    routes = {route.pattern: route for route in matrix.iter_routes()}
    chooser = {pattern: route for pattern, route in routes.items() if pattern.startswith("admin/core/document-chooser/")}
    assert set(chooser) == {"admin/core/document-chooser/", "admin/core/document-chooser/results/",
                            "admin/core/document-chooser/chosen/<str:pk>/", "admin/core/document-chooser/chosen-multiple/"}
    builder = matrix.Builder(org_b, testing.make_project(org_b), admin_b)
    assert matrix.targets(chooser["admin/core/document-chooser/chosen/<str:pk>/"], builder)


def test_document_edit_form_links_the_current_file_to_its_checked_download(docs, admin_a):
    document = docs["ours"]
    html = _admin_client(admin_a).get(f"/admin/core/documents/edit/{document.pk}/").content.decode()
    assert f'href="/api/v1/core/documents/{document.pk}/download/"' in html
    assert "/media/" not in html and document.file.name not in html


def test_file_input_without_a_checked_route_shows_no_link(docs):
    from ohms_core.admin_views.files import FILE_ROUTES, CheckedFileInput

    document = docs["ours"]
    saved = FILE_ROUTES.pop(("ohms_core.document", "file"))
    try:
        html = CheckedFileInput().render("file", document.file)
    finally:
        FILE_ROUTES[("ohms_core.document", "file")] = saved
    assert "<a " not in html and document.file.name not in html
    assert f'href="/api/v1/core/documents/{document.pk}/download/"' in CheckedFileInput().render("file", document.file)


def test_block_in_a_stream_field_renders_from_the_stored_json(docs):
    """Page bodies store the id as a string: it must find the document again (UUID pk)."""
    from wagtail import blocks

    stream = blocks.StreamBlock([("document", DocumentChooserBlock())])
    ours = str(docs["ours"].pk)
    value = stream.to_python([{"type": "document", "value": ours}, {"type": "document", "value": ours},
                              {"type": "document", "value": "junk"}, {"type": "document", "value": None}])
    assert [child.value for child in value] == [docs["ours"], docs["ours"], None, None]
    html = stream.render(value)
    assert html.count(f'href="/api/v1/core/documents/{ours}/download/"') == 2
    assert "/media/" not in html
    assert stream.get_prep_value(value)[0]["value"] == docs["ours"].pk
