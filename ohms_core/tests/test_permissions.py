"""The role matrix, sampled through the API: allowed actions work, refused ones say why."""
import pytest
from django.contrib.auth import get_user_model

from ohms_core import testing
from ohms_core.models import AuditLog, Contact, Membership, Site, Worker
from ohms_core.permissions import POLICY, check

pytestmark = pytest.mark.django_db

WORKERS = "/api/v1/core/workers/"
MEMBERSHIPS = "/api/v1/core/memberships/"


def _client(org, role):
    user = testing.make_member(org, role)
    return testing.token_client(user, org), user


def _worker_payload(enterprise, **extra):
    return {"first_name": "Amani", "last_name": "Ilunga", "employee_number": "SMK-00001",
            "enterprise": str(enterprise.pk), **extra}


def test_auditor_reads_but_cannot_write(org_a):
    worker = testing.make_worker(org_a)
    client, _ = _client(org_a, "auditor")
    listed = client.get(WORKERS)
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["results"]] == [str(worker.pk)]

    response = client.post(WORKERS, _worker_payload(worker.enterprise, employee_number="NEW"), format="json")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "permission_denied"
    assert "Auditor" in body["detail"]
    assert "workers" in body["detail"]
    assert not Worker.objects.filter(employee_number="NEW").exists()

    for response in (
        client.patch(f"{WORKERS}{worker.pk}/", {"job_title": "x"}, format="json"),
        client.delete(f"{WORKERS}{worker.pk}/"),
        client.post(f"{WORKERS}{worker.pk}/restore/"),
    ):
        assert response.status_code == 403
        assert "Auditor" in response.json()["detail"]
    worker.refresh_from_db()
    assert worker.job_title == "" and not worker.is_deleted


def test_worker_role_cannot_list_workers_or_contacts(org_a):
    testing.make_worker(org_a)
    client, _ = _client(org_a, "worker")
    for url in (WORKERS, "/api/v1/core/contacts/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "Worker" in response.json()["detail"]
    # ... but may see the organization's sites.
    assert client.get("/api/v1/core/sites/").status_code == 200


def test_medical_officer_creates_a_worker_and_its_contact(org_a):
    enterprise = testing.make_enterprise(org_a)
    client, user = _client(org_a, "medical_officer")
    response = client.post(WORKERS, _worker_payload(enterprise, email="amani@smk.test", job_title="Foreur"), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["full_name"] == "Amani Ilunga"
    assert body["enterprise_name"] == enterprise.name

    worker = Worker.objects.get(pk=body["id"])
    assert worker.organization_id == org_a.pk
    assert worker.created_by_id == user.pk
    contact = worker.contact
    assert str(contact.pk) == body["contact"]
    assert (contact.first_name, contact.last_name, contact.email) == ("Amani", "Ilunga", "amani@smk.test")
    assert contact.organization_id == org_a.pk
    assert Contact.objects.count() == 1
    assert set(AuditLog.objects.filter(action="create").values_list("object_id", flat=True)) >= {str(worker.pk), str(contact.pk)}


def test_worker_with_an_existing_contact(org_a):
    contact = testing.make_contact(org_a)
    enterprise = testing.make_enterprise(org_a)
    client, _ = _client(org_a, "medical_officer")
    response = client.post(WORKERS, {"contact": str(contact.pk), "employee_number": "E9", "enterprise": str(enterprise.pk)}, format="json")
    assert response.status_code == 201, response.json()
    assert Worker.objects.get(pk=response.json()["id"]).contact_id == contact.pk
    assert Contact.objects.count() == 1


def test_failed_worker_creation_leaves_no_orphan_contact(org_a):
    enterprise = testing.make_enterprise(org_a)
    testing.make_worker(org_a, enterprise=enterprise, employee_number="DUP")
    client, _ = _client(org_a, "medical_officer")
    before = Contact.objects.count()
    response = client.post(WORKERS, _worker_payload(enterprise, employee_number="DUP"), format="json")
    assert response.status_code == 400
    assert Contact.objects.count() == before


def test_org_admin_creates_membership_by_email(client_a, org_a):
    User = get_user_model()
    assert not User.objects.filter(email="nouveau@alpha.test").exists()
    response = client_a.post(MEMBERSHIPS, {"user_email": "Nouveau@Alpha.test", "role": "verifier"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["role"] == "verifier"
    assert body["email"] == "nouveau@alpha.test"

    user = User.objects.get(email="nouveau@alpha.test")
    assert body["user"] == user.pk
    assert not user.has_usable_password()
    membership = Membership.objects.get(pk=body["id"])
    assert (membership.organization_id, membership.user_id, membership.role) == (org_a.pk, user.pk, "verifier")


def test_org_admin_membership_for_an_existing_user_reuses_it(client_a, org_a, org_b):
    existing = testing.make_member(org_b, "approver", "deja@bravo.test")
    users_before = get_user_model().objects.count()
    response = client_a.post(MEMBERSHIPS, {"user_email": "deja@bravo.test", "role": "auditor"}, format="json")
    assert response.status_code == 201, response.json()
    assert get_user_model().objects.count() == users_before
    assert Membership.objects.get(pk=response.json()["id"]).user_id == existing.pk
    # The other organization's membership is untouched.
    assert Membership.objects.get(organization=org_b, user=existing).role == "approver"


def test_membership_requires_user_email_and_a_known_role(client_a):
    response = client_a.post(MEMBERSHIPS, {"role": "verifier"}, format="json")
    assert response.status_code == 400
    assert "user_email" in response.json()["errors"]
    response = client_a.post(MEMBERSHIPS, {"user_email": "x@alpha.test", "role": "emperor"}, format="json")
    assert response.status_code == 400
    assert "role" in response.json()["errors"]
    assert not get_user_model().objects.filter(email="x@alpha.test").exists()


@pytest.mark.parametrize("role", ["permit_requester", "safety_manager", "medical_officer"])
def test_non_admins_cannot_create_memberships(org_a, role):
    client, _ = _client(org_a, role)
    before = Membership.objects.count()
    response = client.post(MEMBERSHIPS, {"user_email": "intrus@alpha.test", "role": "org_admin"}, format="json")
    assert response.status_code == 403
    assert "memberships" in response.json()["detail"]
    assert Membership.objects.count() == before
    assert not get_user_model().objects.filter(email="intrus@alpha.test").exists()


def test_non_admin_cannot_promote_themselves(org_a):
    client, user = _client(org_a, "safety_manager")
    membership = Membership.objects.get(user=user)
    response = client.patch(f"{MEMBERSHIPS}{membership.pk}/", {"role": "org_admin"}, format="json")
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == "safety_manager"


def test_safety_manager_manages_sites_but_permit_requester_does_not(org_a):
    manager, _ = _client(org_a, "safety_manager")
    requester, _ = _client(org_a, "permit_requester")
    assert manager.post("/api/v1/core/sites/", {"name": "Camp", "code": "CAMP"}, format="json").status_code == 201
    refused = requester.post("/api/v1/core/sites/", {"name": "Autre", "code": "AUTRE"}, format="json")
    assert refused.status_code == 403
    assert "Permit requester" in refused.json()["detail"]
    assert list(Site.objects.values_list("code", flat=True)) == ["CAMP"]


def test_permit_requester_may_upload_documents_but_auditor_may_not(org_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    requester, _ = _client(org_a, "permit_requester")
    auditor, _ = _client(org_a, "auditor")

    def upload(client):
        return client.post("/api/v1/core/documents/", {"title": "PJ", "file": SimpleUploadedFile("pj.txt", b"pj")}, format="multipart")

    assert upload(requester).status_code == 201
    assert upload(auditor).status_code == 403


def test_superuser_may_act_in_any_organization_they_name(org_a):
    from rest_framework.test import APIClient

    root = testing.make_user(is_superuser=True, is_staff=True)
    client = APIClient()
    client.force_authenticate(root)
    response = client.post("/api/v1/core/sites/", {"name": "Root", "code": "ROOT"}, format="json", HTTP_X_OHMS_ORGANIZATION="ALPHA")
    assert response.status_code == 201, response.json()
    assert Site.objects.get(code="ROOT").organization_id == org_a.pk
    # Without naming one, a superuser without memberships acts for none.
    assert client.get("/api/v1/core/sites/").status_code == 403


def test_every_policy_refusal_has_a_reason():
    for resource, rules in POLICY.items():
        for action, roles in rules.items():
            for role in ("worker", "auditor", ""):
                if role in roles:
                    continue
                decision = check(user=None, role=role, resource=resource, action=action)
                assert not decision.allowed
                assert decision.reason, (resource, action, role)
