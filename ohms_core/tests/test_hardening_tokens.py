"""Tokens never act above the member's current role; expired tokens cannot be created."""
from datetime import timedelta

import pytest
from django.utils import timezone

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_core.exceptions import BusinessRuleError
from ohms_core.models import ApiToken, Site
from ohms_core.roles import ROLE_RANK, Role, role_capped
from ohms_core.services.tenancy import membership_upsert
from ohms_core.services.tokens import token_create
from ohms_core.tenancy import resolve_tenancy

pytestmark = pytest.mark.django_db

SITES = "/api/v1/core/sites/"
TOKENS = "/api/v1/core/tokens/"


def _demote(user, organization, role):
    with acting_as(organization=organization):
        membership_upsert(organization=organization, user=user, role=role)


def test_demoted_member_token_loses_the_old_role(org_a):
    user = testing.make_member(org_a, "org_admin", "boss@alpha.test")
    client = testing.token_client(user, org_a)
    assert client.post(SITES, {"name": "Before", "code": "B1"}, format="json").status_code == 201
    _demote(user, org_a, "worker")
    response = client.post(SITES, {"name": "After", "code": "A1"}, format="json")
    assert response.status_code == 403, response.content
    assert not Site.objects.filter(code="A1").exists()
    token = ApiToken.objects.get(user=user)
    assert token.role == "org_admin"  # the stored role is untouched; the effective role is capped
    assert resolve_tenancy(user, token=token).role == "worker"


def test_auditor_token_stays_auditor_after_promotion(org_a):
    user = testing.make_member(org_a, "worker", "w@alpha.test")
    token, _ = token_create(user=user, organization=org_a, name="ro", role="auditor")
    _demote(user, org_a, "org_admin")
    assert resolve_tenancy(user, token=token).role == "auditor"


def test_role_order_caps_to_the_lower_role():
    assert set(ROLE_RANK) == set(Role.values)
    assert role_capped("org_admin", "worker") == "worker"
    assert role_capped("auditor", "org_admin") == "auditor"
    assert role_capped("verifier", "approver") == "approver"  # peers: the current role
    assert role_capped("safety_manager", "safety_manager") == "safety_manager"


def test_token_created_already_expired_is_refused_by_the_api(client_a, admin_a):
    before = ApiToken.objects.count()
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    response = client_a.post(TOKENS, {"name": "late", "expires_at": past}, format="json")
    assert response.status_code == 400, response.content
    assert "expires_at" in response.json()["errors"]
    assert ApiToken.objects.count() == before


def test_token_created_already_expired_is_refused_by_the_service(org_a, admin_a):
    with pytest.raises(BusinessRuleError):
        token_create(user=admin_a, organization=org_a, name="late", expires_at=timezone.now())
    token, _ = token_create(user=admin_a, organization=org_a, name="ok", expires_at=timezone.now() + timedelta(days=1))
    assert token.pk
