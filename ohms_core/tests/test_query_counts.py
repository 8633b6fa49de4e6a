"""List endpoints run a fixed number of queries, however many rows they return (no N+1)."""
import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_core.models import Document
from ohms_core.services.audit import audit_record
from ohms_core.services.tokens import token_create

pytestmark = pytest.mark.django_db


def _document(org, admin):
    project = testing.make_project(org)
    worker = testing.make_worker(org)
    doc = Document(organization=org, title=f"Doc {project.code}", worker=worker, contact=worker.contact,
                   file_size=3, checksum="x", created_by=admin, approved_by=admin)
    doc.file.save("d.txt", ContentFile(b"abc"), save=False)
    doc.save()
    return doc


def _membership(org, admin):
    user = testing.make_member(org, "verifier", projects=[testing.make_project(org)])
    return user


def _audit(org, admin):
    with acting_as(user=admin, organization=org):
        return audit_record(action="export", obj=testing.make_site(org))


def _token(org, admin):
    user = testing.make_member(org, "safety_manager")
    return token_create(user=user, organization=org, name="t")


def _project(org, admin):
    return testing.make_project(org, site=testing.make_site(org), enterprise=testing.make_enterprise(org))


FACTORIES = {
    "workers": lambda org, admin: testing.make_worker(org),
    "contacts": lambda org, admin: testing.make_contact(org),
    "documents": _document,
    "memberships": _membership,
    "sites": lambda org, admin: testing.make_site(org),
    "projects": _project,
    "enterprises": lambda org, admin: testing.make_enterprise(org),
    "audit-log": _audit,
    "tokens": _token,
}


def _measure(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, {"page_size": 200})
    assert response.status_code == 200, response.json()
    return len(ctx.captured_queries), response.json()["count"]


@pytest.mark.parametrize("resource", sorted(FACTORIES))
def test_list_query_count_does_not_grow_with_rows(resource, client_a, org_a, admin_a):
    url = f"/api/v1/core/{resource}/"
    make = FACTORIES[resource]
    for _ in range(3):
        make(org_a, admin_a)
    client_a.get(url)  # warm up: the token's last_used_at write happens once a minute at most
    few, few_rows = _measure(client_a, url)
    for _ in range(15):
        make(org_a, admin_a)
    many, many_rows = _measure(client_a, url)

    assert many_rows >= few_rows + 15
    assert many == few, f"{resource}: {few} queries for {few_rows} rows, {many} for {many_rows}"
    assert few <= 6


def test_detail_query_count_is_small(client_a, org_a, admin_a):
    worker = testing.make_worker(org_a)
    client_a.get(f"/api/v1/core/workers/{worker.pk}/")
    with CaptureQueriesContext(connection) as ctx:
        assert client_a.get(f"/api/v1/core/workers/{worker.pk}/").status_code == 200
    assert len(ctx.captured_queries) <= 8
