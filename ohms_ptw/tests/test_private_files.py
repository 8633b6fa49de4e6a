"""Private files of the permit to work without a route until now (issue 7, 1b): the permit's
isolation certificate and the LOTO log's photo evidence are served only through
access-checked routes, the API and the admin link to those routes and never to /media/,
and the photo upload endpoint parses JSON with the bounded parser."""
import base64

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from ohms_core import testing
from ohms_core.context import acting_as

from ..models import LotoLog, Permit
from .factories import PtwWorld

pytestmark = pytest.mark.django_db
PERMITS = "/api/v1/ptw/permits/"
LOTO = "/api/v1/ptw/loto-logs/"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def _with_certificate(w, content=b"%PDF certificat"):
    permit = Permit.objects.get(pk=w.create_permit()["id"])
    permit.isolation_certificate.save("Certificat Kabila.pdf", ContentFile(content), save=True)
    return permit


def _loto_log(w, content=PNG):
    permit = Permit.objects.get(pk=w.create_permit()["id"])
    with acting_as(organization=w.org):
        log = LotoLog(organization=w.org, permit=permit, action="active", asset_tag="BROY-2")
        log.photo.save("cadenas.png", ContentFile(content), save=False)
        log.save()
    return log


def _login(user):
    client = Client()
    assert client.login(username=user.username, password="pass-1234-word")
    return client


def test_isolation_certificate_is_served_with_checks(w):
    permit = _with_certificate(w)
    url = f"{PERMITS}{permit.pk}/isolation-certificate/"
    served = w.client(w.issuer).get(url)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == b"%PDF certificat"
    assert served["Content-Disposition"].startswith("attachment")
    assert f"isolation-certificate-{permit.permit_number}.pdf" in served["Content-Disposition"]
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Type"] == "application/octet-stream"


def test_isolation_certificate_refused_to_anonymous_other_org_and_other_project(w):
    permit = _with_certificate(w)
    url = f"{PERMITS}{permit.pk}/isolation-certificate/"
    assert Client().get(url).status_code in (401, 403)
    other = PtwWorld(code="OTH")
    assert other.client(other.admin).get(url).status_code == 404
    elsewhere = testing.make_member(w.org, "safety_manager", projects=[w.other_project])
    assert testing.token_client(elsewhere, w.org).get(url).status_code == 404


def test_permit_without_certificate_answers_404(w):
    pid = w.create_permit()["id"]
    assert w.client(w.issuer).get(f"{PERMITS}{pid}/isolation-certificate/").status_code == 404


def test_permit_api_shows_the_checked_certificate_url_not_the_storage_path(w):
    permit = _with_certificate(w)
    body = w.client(w.issuer).get(f"{PERMITS}{permit.pk}/").json()
    assert body["isolation_certificate"].endswith(f"{PERMITS}{permit.pk}/isolation-certificate/")
    assert permit.isolation_certificate.name not in str(body) and "/media/" not in str(body)
    assert w.client(w.issuer).get(f"{PERMITS}{w.create_permit()['id']}/").json()["isolation_certificate"] is None


def test_loto_photo_is_served_with_checks(w):
    log = _loto_log(w)
    url = f"{LOTO}{log.pk}/download/"
    served = w.client(w.issuer).get(url)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PNG
    assert served["Content-Type"] == "image/png" and served["X-Content-Type-Options"] == "nosniff"
    listed = w.client(w.issuer).get(f"{LOTO}{log.pk}/").json()
    assert listed["photo"].endswith(url) and log.photo.name not in str(listed)


def test_loto_photo_that_is_not_a_raster_image_downloads_as_attachment(w):
    log = _loto_log(w, content=b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    served = w.client(w.issuer).get(f"{LOTO}{log.pk}/download/")
    assert served.status_code == 200
    assert served["Content-Disposition"].startswith("attachment")
    assert served["Content-Type"] == "application/octet-stream"


def test_loto_photo_refused_to_anonymous_other_org_and_other_project(w):
    log = _loto_log(w)
    url = f"{LOTO}{log.pk}/download/"
    assert Client().get(url).status_code in (401, 403)
    other = PtwWorld(code="OTH")
    assert other.client(other.admin).get(url).status_code == 404
    elsewhere = testing.make_member(w.org, "safety_manager", projects=[w.other_project])
    assert testing.token_client(elsewhere, w.org).get(url).status_code == 404


def test_loto_log_without_photo_answers_404(w):
    permit = Permit.objects.get(pk=w.create_permit()["id"])
    log = LotoLog.objects.create(organization=w.org, permit=permit, action="active")
    assert w.client(w.issuer).get(f"{LOTO}{log.pk}/download/").status_code == 404
    assert w.client(w.issuer).get(f"{LOTO}{log.pk}/").json()["photo"] is None


def test_admin_edit_form_links_the_certificate_to_its_checked_route_not_media(w):
    permit = _with_certificate(w)
    client = _login(w.admin)
    page = client.get(f"/admin/ptw/permits/edit/{permit.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    url = f"{PERMITS}{permit.pk}/isolation-certificate/"
    assert f'href="{url}"' in html
    assert "/media/" not in html and permit.isolation_certificate.name not in html
    assert client.get(url).status_code == 200  # the admin session is enough to follow it


def test_admin_permit_form_picks_documents_through_our_chooser(w):
    """ForeignKeys to Document (method statement, procedure...) use our library's chooser."""
    pid = w.create_permit()["id"]
    html = _login(w.admin).get(f"/admin/ptw/permits/edit/{pid}/").content.decode()
    assert "/admin/core/document-chooser/" in html
    assert "/admin/documents/chooser/" not in html


def test_deeply_nested_json_to_photo_upload_is_400_not_500(w):
    client = w.client(w.issuer)
    response = client.generic("POST", "/api/v1/ptw/permit-photos/", b"[" * 200_000, content_type="application/json")
    assert response.status_code == 400, response.content[:200]
    assert response.json()["code"] == "parse_error"


def test_json_nested_beyond_the_limit_to_photo_upload_is_400(w, settings):
    settings.OHMS_JSON_MAX_DEPTH = 5
    body = b'{"caption": ' + b"[" * 20 + b"]" * 20 + b"}"
    response = w.client(w.issuer).generic("POST", "/api/v1/ptw/permit-photos/", body, content_type="application/json")
    assert response.status_code == 400, response.content[:200]
    assert "nested" in response.json()["detail"]  # refused by the parser, not by a field


def _document(w, title, privacy):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ohms_core.services.documents import document_upload

    with acting_as(user=w.admin, organization=w.org, role="org_admin"):
        return document_upload(organization=w.org, user=w.admin, data={
            "title": title, "privacy_level": privacy, "file": SimpleUploadedFile("d.pdf", b"%PDF d")})


def _permit_document_form():
    """The way admin panels build their forms (field overrides included)."""
    from wagtail.admin.panels.base import get_form_for_model

    from ohms_core.admin_views.forms import ScopedAdminForm

    return get_form_for_model(Permit, form_class=ScopedAdminForm, fields=["method_statement"])


def test_admin_document_field_refuses_a_restricted_document_posted_by_hand(w):
    """The chooser hides it; a hand-made POST of its id is refused the same way."""
    permit = Permit.objects.get(pk=w.create_permit()["id"])
    restricted = _document(w, "Dossier médical", "restricted")
    internal = _document(w, "Mode opératoire", "internal")
    other = PtwWorld(code="OTH")
    foreign = _document(other, "Procédure OTH", "internal")
    manager = testing.make_member(w.org, "safety_manager")
    form_class = _permit_document_form()
    with acting_as(user=manager, organization=w.org, role="safety_manager"):
        for document in (restricted, foreign):
            form = form_class(data={"method_statement": str(document.pk)}, instance=permit)
            assert not form.is_valid() and "method_statement" in form.errors
        form = form_class(data={"method_statement": str(internal.pk)}, instance=permit)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["method_statement"] == internal


def test_chooser_widget_shows_no_title_of_a_document_the_member_may_not_read(w):
    restricted = _document(w, "Dossier médical Kabila", "restricted")
    with acting_as(user=w.issuer, organization=w.org, role="issuer"):
        widget = _permit_document_form()().fields["method_statement"].widget
        data = widget.get_value_data(restricted)
    assert data["id"] == restricted.pk and "Kabila" not in data["title"]
    with acting_as(user=w.admin, organization=w.org, role="org_admin"):
        assert "Kabila" in widget.get_value_data(restricted)["title"]


def test_route_matrix_exercises_the_new_file_routes(w):
    """Both download routes are called by the cross-tenant matrix on another organization's rows."""
    from ohms_core import testing_routes as matrix

    matrix.load_addon_factories()
    routes = {route.pattern: route for route in matrix.iter_routes()}
    other = PtwWorld(code="MXO")
    builder = matrix.Builder(other.org, other.project, other.admin)
    for pattern in ("api/v1/ptw/^permits/(?P<pk>[^/.]+)/isolation-certificate/$", "api/v1/ptw/^loto-logs/(?P<pk>[^/.]+)/download/$"):
        assert pattern in routes, sorted(p for p in routes if "ptw" in p)
        [(obj, _kwargs)] = matrix.targets(routes[pattern], builder)
        assert obj.organization == other.org
    assert builder.get(Permit).isolation_certificate and builder.get(LotoLog).photo


def test_admin_document_field_keeps_an_unchanged_document_the_member_may_not_read(w):
    """An issuer saving a permit whose method statement is restricted keeps it as it is;
    the same id on a permit that did not point at it is refused."""
    restricted = _document(w, "Dossier médical", "restricted")
    permit = Permit.objects.get(pk=w.create_permit()["id"])
    Permit.objects.filter(pk=permit.pk).update(method_statement=restricted)
    permit.refresh_from_db()
    fresh = Permit.objects.get(pk=w.create_permit()["id"])
    form_class = _permit_document_form()
    manager = testing.make_member(w.org, "safety_manager")
    with acting_as(user=manager, organization=w.org, role="safety_manager"):
        kept = form_class(data={"method_statement": str(restricted.pk)}, instance=permit)
        assert kept.is_valid(), kept.errors
        assert kept.cleaned_data["method_statement"] == restricted
        assert not form_class(data={"method_statement": str(restricted.pk)}, instance=fresh).is_valid()
