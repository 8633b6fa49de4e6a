"""API tokens: bearer authentication, revocation, hashing at rest, scope and role limits."""
import hashlib
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_core.models import ApiToken, AuditLog, Membership, Site, hash_token
from ohms_core.services.tenancy import membership_upsert

pytestmark = pytest.mark.django_db

SITES = "/api/v1/core/sites/"
TOKENS = "/api/v1/core/tokens/"
ERROR_KEYS = {"detail", "code", "errors"}


def _bearer(raw):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _token_of(client):
    return ApiToken.objects.get(key_hash=hash_token(client.raw_token))


def _assert_401(response):
    assert response.status_code == 401, (response.status_code, response.content)
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["detail"]
    assert body["errors"] == {}
    assert response["WWW-Authenticate"] == "Bearer"
    return body


# --- authentication --------------------------------------------------------------------------

def test_valid_token_authenticates(client_a, org_a):
    testing.make_site(org_a, name="Kolwezi")
    response = client_a.get(SITES)
    assert response.status_code == 200
    assert [r["name"] for r in response.json()["results"]] == ["Kolwezi"]


@pytest.mark.parametrize("raw", [
    "ohms_deadbeef_notarealsecretatall",
    "garbage",
    "ohms_",
    "ohms_\u00e9\u00e9_x",
    "ohms__",
])
def test_unknown_or_garbled_token_is_401(raw, client_a):
    body = _assert_401(_bearer(raw).get(SITES))
    assert body["code"] == "authentication_failed"


def test_right_prefix_wrong_secret_is_401(client_a):
    raw = client_a.raw_token
    forged = raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")
    _assert_401(_bearer(forged).get(SITES))
    assert client_a.get(SITES).status_code == 200


@pytest.mark.parametrize("header", ["Bearer a b", "Bearer ohms_x_y extra", "Bearer"])
def test_malformed_authorization_header_is_401(header, client_a):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    body = _assert_401(client.get(SITES))
    assert "Malformed" in body["detail"]


@pytest.mark.parametrize("header", ["   ", "\t"])
def test_blank_authorization_header_is_401_not_500(header, db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(SITES)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_other_scheme_falls_through_to_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token abcdef")
    response = client.get(SITES)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_no_credentials_is_401(db):
    response = APIClient().get(SITES)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_revoked_token_is_401(client_a, admin_a):
    token = _token_of(client_a)
    assert client_a.get(SITES).status_code == 200
    response = client_a.delete(f"{TOKENS}{token.pk}/")
    assert response.status_code == 204

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.is_deleted is False  # revoked, kept for the record
    _assert_401(client_a.get(SITES))
    audit = AuditLog.objects.get(object_id=str(token.pk), action="delete")
    assert audit.user_id == admin_a.pk
    assert "revoked_at" in audit.changes


def test_expired_token_is_401(client_a):
    ApiToken.objects.filter(key_hash=hash_token(client_a.raw_token)).update(expires_at=timezone.now() - timedelta(seconds=1))
    _assert_401(client_a.get(SITES))


def test_token_of_an_inactive_user_is_401(client_a, admin_a):
    admin_a.is_active = False
    admin_a.save()
    _assert_401(client_a.get(SITES))


def test_token_of_an_inactive_organization_is_401(client_a, org_a):
    org_a.is_active = False
    org_a.save()
    _assert_401(client_a.get(SITES))


def test_token_after_membership_soft_delete_is_403(org_a, admin_a, client_a):
    user = testing.make_member(org_a, "safety_manager")
    client = testing.token_client(user, org_a)
    assert client.get(SITES).status_code == 200

    membership = Membership.objects.get(organization=org_a, user=user)
    assert client_a.delete(f"/api/v1/core/memberships/{membership.pk}/").status_code == 204
    assert Membership.all_objects.get(pk=membership.pk).is_deleted

    response = client.get(SITES)
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "permission_denied"
    assert "no longer a member" in body["detail"]
    assert client.post(SITES, {"name": "X", "code": "X"}, format="json").status_code == 403
    assert not Site.objects.filter(code="X").exists()


def test_token_after_membership_deactivated_is_403(org_a):
    user = testing.make_member(org_a, "safety_manager")
    client = testing.token_client(user, org_a)
    Membership.objects.filter(user=user).update(is_active=False)
    assert client.get(SITES).status_code == 403


def test_last_used_at_is_set_on_use(client_a):
    token = _token_of(client_a)
    assert token.last_used_at is None
    before = timezone.now()
    assert client_a.get(SITES).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert before <= token.last_used_at <= timezone.now()
    # Not a business change: no version bump, no history row.
    assert token.version == 1
    assert token.history.count() == 1


# --- scope -----------------------------------------------------------------------------------

def test_token_of_organization_b_cannot_see_organization_a(client_b, org_a):
    theirs = testing.make_site(org_a, name="Alpha seulement")
    listed = client_b.get(SITES)
    assert listed.status_code == 200
    assert listed.json()["results"] == []
    assert client_b.get(f"{SITES}{theirs.pk}/").status_code == 404
    assert client_b.patch(f"{SITES}{theirs.pk}/", {"name": "pris"}, format="json").status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Alpha seulement"


def test_token_carries_its_organization_and_ignores_the_header(org_a, org_b):
    """A user in both A and B with a token for B only ever sees B, whatever the header says."""
    user = testing.make_member(org_a, "safety_manager")
    with acting_as(organization=org_b):
        membership_upsert(organization=org_b, user=user, role="safety_manager")
    testing.make_site(org_a, name="Site Alpha")
    testing.make_site(org_b, name="Site Bravo")
    client = testing.token_client(user, org_b)
    for headers in ({}, {"HTTP_X_OHMS_ORGANIZATION": "ALPHA"}, {"HTTP_X_OHMS_ORGANIZATION": str(org_a.pk)}):
        response = client.get(SITES, **headers)
        assert response.status_code == 200
        assert [r["name"] for r in response.json()["results"]] == ["Site Bravo"]


def test_non_admin_sees_and_revokes_only_own_tokens(org_a, client_a):
    user = testing.make_member(org_a, "safety_manager")
    client = testing.token_client(user, org_a)
    mine = _token_of(client)
    admins = _token_of(client_a)

    listed = {r["id"] for r in client.get(TOKENS).json()["results"]}
    assert listed == {str(mine.pk)}
    assert client.get(f"{TOKENS}{admins.pk}/").status_code == 404
    assert client.delete(f"{TOKENS}{admins.pk}/").status_code == 404
    admins.refresh_from_db()
    assert admins.revoked_at is None
    # The org admin sees everyone's.
    assert {str(mine.pk), str(admins.pk)} <= {r["id"] for r in client_a.get(TOKENS).json()["results"]}


# --- creation --------------------------------------------------------------------------------

def test_create_returns_the_secret_once(client_a, admin_a, org_a):
    response = client_a.post(TOKENS, {"name": "Tablette portail 3"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    raw = body["token"]
    assert raw.startswith("ohms_")
    assert body["role"] == "org_admin"
    assert body["user"] == admin_a.pk
    assert raw.split("_")[1] == body["key_prefix"]

    token = ApiToken.objects.get(pk=body["id"])
    assert token.organization_id == org_a.pk
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.key_hash != raw
    assert raw not in json.dumps([token.key_prefix, token.name, token.key_hash])
    # The secret is never in the audit trail either.
    assert all(raw not in json.dumps(r.changes) for r in AuditLog.objects.all())

    detail = client_a.get(f"{TOKENS}{token.pk}/")
    assert detail.status_code == 200 and detail.json()["token"] is None
    rows = client_a.get(TOKENS).json()["results"]
    assert rows and all(r["token"] is None for r in rows)
    assert raw not in json.dumps(rows)

    assert _bearer(raw).get(SITES).status_code == 200


def test_create_cannot_widen_the_role(org_a):
    user = testing.make_member(org_a, "permit_requester")
    client = testing.token_client(user, org_a)
    before = ApiToken.objects.count()
    for role in ("org_admin", "approver", "safety_manager"):
        response = client.post(TOKENS, {"name": "plus", "role": role}, format="json")
        assert response.status_code == 403, response.json()
        assert response.json()["code"] == "permission_denied"
        assert response.json()["detail"]
    assert ApiToken.objects.count() == before


def test_create_read_only_auditor_token_is_allowed_and_read_only(client_a):
    response = client_a.post(TOKENS, {"name": "lecture", "role": "auditor"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["role"] == "auditor"
    auditor = _bearer(response.json()["token"])
    assert auditor.get(SITES).status_code == 200
    denied = auditor.post(SITES, {"name": "Non", "code": "NON"}, format="json")
    assert denied.status_code == 403
    assert "Auditor" in denied.json()["detail"]
    assert not Site.objects.filter(code="NON").exists()


def test_create_with_unknown_role_is_400(client_a):
    response = client_a.post(TOKENS, {"name": "x", "role": "god"}, format="json")
    assert response.status_code == 400
    assert "role" in response.json()["errors"]


def test_create_without_name_is_400(client_a):
    response = client_a.post(TOKENS, {}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()["errors"]


def test_token_create_service_refuses_non_members(org_a, org_b):
    from ohms_core.exceptions import NotAllowedError
    from ohms_core.services.tokens import token_create

    outsider = testing.make_member(org_b, "org_admin")
    with pytest.raises(NotAllowedError):
        token_create(user=outsider, organization=org_a, name="x")
    assert not ApiToken.objects.filter(user=outsider, organization=org_a).exists()
