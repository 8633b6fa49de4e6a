"""Adding an existing user of another organization is an invitation they accept, never a
silent attachment; a new person is still created directly; the session keeps its organization."""
import pytest
from django.test import Client

from ohms_core import testing
from ohms_core.models import AuditLog, Membership
from ohms_core.services.tenancy import membership_add
from ohms_core.tenancy import SESSION_KEY, active_memberships

pytestmark = pytest.mark.django_db
PASSWORD = "pass-1234-word"
MEMBERSHIPS = "/api/v1/core/memberships/"


def _login(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def bravo_engineer(org_b):
    return testing.make_member(org_b, "safety_manager", "engineer@bravo.test")


def test_api_invites_a_member_of_another_organization(client_a, org_a, org_b, bravo_engineer):
    response = client_a.post(MEMBERSHIPS, {"user_email": "ENGINEER@bravo.test", "role": "org_admin"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["is_active"] is False and body["invitation"] == "pending"
    assert list(active_memberships(bravo_engineer).values_list("organization_id", flat=True)) == [org_b.pk]


def test_org_admin_cannot_force_an_invitation_active(client_a, org_a, bravo_engineer):
    created = client_a.post(MEMBERSHIPS, {"user_email": bravo_engineer.email, "role": "worker"}, format="json").json()
    response = client_a.patch(f"{MEMBERSHIPS}{created['id']}/", {"is_active": True}, format="json")
    assert response.status_code == 400
    assert "is_active" in response.json()["errors"]
    assert not Membership.objects.get(pk=created["id"]).is_active


def test_admin_screen_invites_and_keeps_the_invitee_in_their_organization(admin_a, org_a, org_b, bravo_engineer):
    engineer = _login(bravo_engineer)
    assert engineer.get("/admin/").status_code == 200
    response = _login(admin_a).post("/admin/core/memberships/new/", {"user_email": bravo_engineer.email, "role": "org_admin"})
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(organization=org_a, user=bravo_engineer)
    assert (membership.is_active, membership.invitation) == (False, "pending")
    # The invitee still acts for Bravo, and sees the invitation on the dashboard.
    page = engineer.get("/admin/").content.decode()
    assert "Bravo Mining" in page and "invites you" in page
    assert engineer.session[SESSION_KEY] == str(org_b.pk)


def test_invitee_accepts_and_keeps_the_organization_they_were_using(org_a, org_b, admin_a, bravo_engineer):
    engineer = _login(bravo_engineer)
    engineer.get("/admin/")
    membership, invited = membership_add(organization=org_a, email=bravo_engineer.email, role="auditor", actor=admin_a)
    assert invited
    response = engineer.post(f"/admin/ohms/invitations/{membership.pk}/accept/")
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.is_active, membership.invitation) == (True, "")
    assert {m.organization_id for m in active_memberships(bravo_engineer)} == {org_a.pk, org_b.pk}
    assert engineer.get("/admin/").status_code == 200
    assert engineer.session[SESSION_KEY] == str(org_b.pk)  # still acting for Bravo
    assert AuditLog.objects.filter(object_id=str(membership.pk), user=bravo_engineer).exists()


def test_invitee_declines(org_a, admin_a, bravo_engineer):
    membership, _ = membership_add(organization=org_a, email=bravo_engineer.email, role="auditor", actor=admin_a)
    assert _login(bravo_engineer).post(f"/admin/ohms/invitations/{membership.pk}/decline/").status_code == 302
    membership.refresh_from_db()
    assert (membership.is_active, membership.invitation) == (False, "declined")


def test_only_the_invitee_can_answer(org_a, org_b, admin_a, bravo_engineer):
    membership, _ = membership_add(organization=org_a, email=bravo_engineer.email, role="org_admin", actor=admin_a)
    assert _login(admin_a).post(f"/admin/ohms/invitations/{membership.pk}/accept/").status_code == 404
    colleague = testing.make_member(org_b, "org_admin")
    assert _login(colleague).post(f"/admin/ohms/invitations/{membership.pk}/accept/").status_code == 404
    membership.refresh_from_db()
    assert not membership.is_active


def test_a_new_person_is_still_added_directly(client_a, org_a):
    response = client_a.post(MEMBERSHIPS, {"user_email": "new.hire@alpha.test", "role": "worker"}, format="json")
    assert response.status_code == 201
    assert response.json()["is_active"] is True and response.json()["invitation"] == ""


def test_role_change_of_a_current_member_is_direct(client_a, org_a):
    user = testing.make_member(org_a, "worker", "w@alpha.test")
    response = client_a.post(MEMBERSHIPS, {"user_email": user.email, "role": "verifier"}, format="json")
    assert response.status_code == 201
    assert Membership.objects.get(organization=org_a, user=user).role == "verifier"
