"""Every core endpoint keeps organizations apart: lists exclude, detail/update/delete 404."""
import pytest

from ohms_core import testing
from ohms_core.models import (
    AuditLog,
    Contact,
    Document,
    Enterprise,
    Membership,
    Project,
    Site,
    Worker,
)

pytestmark = pytest.mark.django_db

UPDATES = {
    "sites": {"name": "Pris"},
    "projects": {"name": "Pris"},
    "enterprises": {"name": "Pris"},
    "memberships": {"role": "auditor"},
    "contacts": {"first_name": "Pris"},
    "workers": {"job_title": "Pris"},
    "documents": {"title": "Pris"},
}


def _objects_of(org, admin):
    from django.core.files.base import ContentFile

    worker = testing.make_worker(org)
    document = Document(organization=org, title="Fiche", file_size=3, checksum="x")
    document.file.save("fiche.txt", ContentFile(b"abc"), save=False)
    document.save()
    return {
        "sites": testing.make_site(org),
        "projects": testing.make_project(org),
        "enterprises": worker.enterprise,
        "memberships": Membership.objects.get(organization=org, user=admin),
        "contacts": worker.contact,
        "workers": worker,
        "documents": document,
    }


@pytest.mark.parametrize("resource", sorted(UPDATES))
def test_other_organization_is_invisible(resource, client_a, org_b, admin_b):
    theirs = _objects_of(org_b, admin_b)[resource]
    url = f"/api/v1/core/{resource}/"
    listed = client_a.get(url)
    assert listed.status_code == 200
    assert str(theirs.pk) not in {row["id"] for row in listed.json()["results"]}
    detail = f"{url}{theirs.pk}/"
    assert client_a.get(detail).status_code == 404
    assert client_a.patch(detail, UPDATES[resource], format="json").status_code == 404
    assert client_a.delete(detail).status_code == 404
    assert client_a.post(f"{detail}restore/").status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_deleted


@pytest.mark.parametrize("resource", sorted(UPDATES))
def test_own_organization_is_visible_and_editable(resource, client_a, org_a, admin_a):
    mine = _objects_of(org_a, admin_a)[resource]
    url = f"/api/v1/core/{resource}/"
    assert str(mine.pk) in {row["id"] for row in client_a.get(url, {"page_size": 200}).json()["results"]}
    response = client_a.patch(f"{url}{mine.pk}/", UPDATES[resource], format="json")
    assert response.status_code == 200, response.json()


def test_organizations_endpoint_lists_only_memberships(client_a, org_a, org_b):
    rows = client_a.get("/api/v1/core/organizations/").json()["results"]
    assert [r["code"] for r in rows] == ["ALPHA"]
    assert client_a.get(f"/api/v1/core/organizations/{org_b.pk}/").status_code == 404
    assert client_a.patch(f"/api/v1/core/organizations/{org_b.pk}/", {"name": "x"}, format="json").status_code == 404


def test_audit_log_and_tokens_are_scoped(client_a, client_b, org_a, org_b):
    client_b.post("/api/v1/core/sites/", {"name": "Kolwezi", "code": "KZI"}, format="json")
    theirs = AuditLog.objects.filter(organization=org_b).first()
    assert theirs is not None
    rows = client_a.get("/api/v1/core/audit-log/", {"page_size": 200}).json()["results"]
    assert str(theirs.pk) not in {r["id"] for r in rows}
    assert client_a.get(f"/api/v1/core/audit-log/{theirs.pk}/").status_code == 404
    token_b = client_b.get("/api/v1/core/tokens/").json()["results"][0]
    assert client_a.get(f"/api/v1/core/tokens/{token_b['id']}/").status_code == 404
    assert client_a.delete(f"/api/v1/core/tokens/{token_b['id']}/").status_code == 404


def test_body_cannot_widen_scope(client_a, org_a, org_b):
    """organization, created_by or foreign ids in a body never reach another tenant."""
    their_site = testing.make_site(org_b)
    their_enterprise = testing.make_enterprise(org_b)
    response = client_a.post(
        "/api/v1/core/projects/",
        {"name": "Usine", "code": "USN", "organization": str(org_b.pk), "site": str(their_site.pk)},
        format="json",
    )
    assert response.status_code == 400
    assert "site" in response.json()["errors"]
    response = client_a.post(
        "/api/v1/core/projects/", {"name": "Usine", "code": "USN", "organization": str(org_b.pk), "created_by": 999}, format="json"
    )
    assert response.status_code == 201
    assert Project.objects.get(pk=response.json()["id"]).organization_id == org_a.pk
    response = client_a.post(
        "/api/v1/core/workers/",
        {"first_name": "Amani", "last_name": "Mukendi", "employee_number": "X1", "enterprise": str(their_enterprise.pk)},
        format="json",
    )
    assert response.status_code == 400 and "enterprise" in response.json()["errors"]


def test_header_for_foreign_organization_is_refused(admin_a, org_b):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(admin_a)
    response = client.get("/api/v1/core/sites/", HTTP_X_OHMS_ORGANIZATION="BRAVO")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_several_memberships_need_an_explicit_organization(org_a, org_b):
    from rest_framework.test import APIClient

    from ohms_core.context import acting_as
    from ohms_core.services.tenancy import membership_upsert

    user = testing.make_member(org_a, "safety_manager")
    with acting_as(organization=org_b):
        membership_upsert(organization=org_b, user=user, role="auditor")
    testing.make_site(org_a, name="Site Alpha")
    testing.make_site(org_b, name="Site Bravo")
    client = APIClient()
    client.force_authenticate(user)
    refused = client.get("/api/v1/core/sites/")
    assert refused.status_code == 403
    assert "X-OHMS-Organization" in refused.json()["detail"]
    alpha = client.get("/api/v1/core/sites/", HTTP_X_OHMS_ORGANIZATION="ALPHA").json()["results"]
    bravo = client.get("/api/v1/core/sites/", HTTP_X_OHMS_ORGANIZATION=str(org_b.pk)).json()["results"]
    assert [s["name"] for s in alpha] == ["Site Alpha"]
    assert [s["name"] for s in bravo] == ["Site Bravo"]
    # In Bravo the same user is an auditor: read-only.
    denied = client.post("/api/v1/core/sites/", {"name": "N", "code": "N"}, format="json", HTTP_X_OHMS_ORGANIZATION="BRAVO")
    assert denied.status_code == 403
    assert "Auditor" in denied.json()["detail"]
    assert Site.objects.filter(organization=org_b).count() == 1
    assert Contact.objects.count() == Worker.objects.count() == Enterprise.objects.count() == 0
