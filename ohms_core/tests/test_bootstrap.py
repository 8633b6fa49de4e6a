"""Operator commands: ohms_bootstrap (idempotent provisioning) and ohms_demo (demo data once)."""
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from ohms_core.models import (
    ApiToken,
    AuditLog,
    Contact,
    Document,
    Enterprise,
    Membership,
    Organization,
    Project,
    Site,
    Worker,
)

pytestmark = pytest.mark.django_db

ARGS = ("--org", "KCC", "--name", "Kamoto", "--project", "Usine",
        "--user", "a@x.org:org_admin", "--user", "b@x.org:approver", "--json")


def _bootstrap(*args):
    out = io.StringIO()
    call_command("ohms_bootstrap", *(args or ARGS), stdout=out)
    return json.loads(out.getvalue())


def _counts():
    User = get_user_model()
    return {m.__name__: m.objects.count() for m in (Organization, Project, Membership, ApiToken)} | {"User": User.objects.count()}


def test_bootstrap_prints_the_documented_shape():
    result = _bootstrap()
    assert set(result) == {"organization", "project", "users"}
    organization = Organization.objects.get(code="KCC")
    assert result["organization"] == {"id": str(organization.pk), "code": "KCC"}
    assert organization.name == "Kamoto"
    project = Project.objects.get(organization=organization)
    assert result["project"] == {"id": str(project.pk), "name": "Usine"}
    assert project.code == "USINE"

    assert [(u["email"], u["role"]) for u in result["users"]] == [("a@x.org", "org_admin"), ("b@x.org", "approver")]
    User = get_user_model()
    for entry in result["users"]:
        assert set(entry) == {"id", "email", "role", "token"}
        user = User.objects.get(pk=entry["id"])
        assert user.email == entry["email"]
        assert not user.has_usable_password()
        membership = Membership.objects.get(organization=organization, user=user)
        assert membership.role == entry["role"]
        assert list(membership.projects.all()) == [project]
        assert entry["token"].startswith("ohms_")
        token = ApiToken.objects.get(user=user)
        assert token.role == entry["role"] and token.organization_id == organization.pk
    # Provisioning is audited.
    assert AuditLog.objects.filter(organization=organization, action="create").count() >= 1 + 1 + 2 + 2


def test_bootstrap_is_idempotent_and_prints_fresh_tokens():
    first = _bootstrap()
    counts = _counts()
    second = _bootstrap()
    after = _counts()

    assert after["Organization"] == counts["Organization"] == 1
    assert after["Project"] == counts["Project"] == 1
    assert after["User"] == counts["User"]
    assert after["Membership"] == counts["Membership"] == 2
    assert after["ApiToken"] == counts["ApiToken"] + 2  # only fresh tokens
    assert second["organization"] == first["organization"]
    assert second["project"] == first["project"]
    assert [u["id"] for u in second["users"]] == [u["id"] for u in first["users"]]
    first_tokens = {u["token"] for u in first["users"]}
    second_tokens = {u["token"] for u in second["users"]}
    assert len(second_tokens) == 2 and not first_tokens & second_tokens
    # Old tokens keep working: re-running does not lock anyone out.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {first['users'][0]['token']}")
    assert client.get("/api/v1/core/projects/").status_code == 200


def test_bootstrap_changes_a_role_on_rerun():
    _bootstrap()
    _bootstrap("--org", "KCC", "--name", "Kamoto", "--user", "b@x.org:verifier", "--json")
    assert Membership.objects.get(user__email="b@x.org").role == "verifier"
    assert Membership.objects.count() == 2


def test_printed_token_works_against_the_api():
    result = _bootstrap()
    for entry in result["users"]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {entry['token']}")
        response = client.get("/api/v1/core/projects/")
        assert response.status_code == 200
        rows = response.json()["results"]
        assert [(r["id"], r["name"]) for r in rows] == [(result["project"]["id"], "Usine")]


def test_text_output():
    out = io.StringIO()
    call_command("ohms_bootstrap", "--org", "KCC", "--name", "Kamoto", "--user", "a@x.org:org_admin", stdout=out)
    text = out.getvalue()
    assert "Organization KCC" in text
    assert "a@x.org [org_admin] token: ohms_" in text


@pytest.mark.parametrize("spec", ["a@x.org:emperor", "a@x.org", "pas-un-email:org_admin"])
def test_bad_user_spec_is_a_command_error(spec):
    with pytest.raises(CommandError):
        call_command("ohms_bootstrap", "--org", "KCC", "--name", "Kamoto", "--user", spec, stdout=io.StringIO())
    assert not Organization.objects.exists()
    assert not get_user_model().objects.exists()


def test_bad_org_code_is_a_command_error_and_leaves_nothing():
    with pytest.raises(CommandError):
        call_command("ohms_bootstrap", "--org", "K C C!", "--name", "X", "--user", "a@x.org:org_admin", stdout=io.StringIO())
    assert not Organization.objects.exists()
    assert not get_user_model().objects.exists()


# --- ohms_demo -------------------------------------------------------------------------------

DEMO_MODELS = (Organization, Site, Project, Enterprise, Contact, Worker, Document, Membership, AuditLog)


def _demo_counts():
    return {m.__name__: m.objects.count() for m in DEMO_MODELS} | {"User": get_user_model().objects.count()}


def test_demo_loads_once():
    call_command("ohms_demo", stdout=io.StringIO())
    first = _demo_counts()
    organization = Organization.objects.get(code="SMK")
    assert first["Organization"] == 1
    assert Site.objects.filter(organization=organization).count() == 3
    assert Project.objects.filter(organization=organization).count() == 3
    assert Enterprise.objects.filter(organization=organization).count() == 3
    assert Worker.objects.filter(organization=organization).count() == 40
    assert Contact.objects.filter(organization=organization).count() == 42
    # Core demo documents; add-on demos add their own (e.g. the health exit certificate).
    assert Document.objects.filter(organization=organization).exclude(document_type="certificate").count() == 6
    # The admin and one user per core demo role; add-ons may add their own (the gate guard).
    from ohms_core.management.commands.ohms_demo import ADMIN_EMAIL, DEMO_USERS

    members = set(Membership.objects.filter(organization=organization).values_list("user__username", flat=True))
    assert members >= {ADMIN_EMAIL, *(email for email, *_ in DEMO_USERS)}
    assert len(members) == Membership.objects.filter(organization=organization).count()  # one membership each
    assert get_user_model().objects.get(username="admin@ohms.demo").is_superuser

    out = io.StringIO()
    call_command("ohms_demo", stdout=out)
    assert "nothing to do" in out.getvalue()
    assert _demo_counts() == first


def test_bootstrap_refuses_a_deactivated_organization_with_a_clear_message():
    from ohms_core.models import Organization

    call_command("ohms_bootstrap", "--org", "OFF", "--name", "Off", "--user", "a@off.org:org_admin", stdout=io.StringIO())
    Organization.objects.filter(code="OFF").update(is_active=False)
    with pytest.raises(CommandError, match="deactivated"):
        call_command("ohms_bootstrap", "--org", "OFF", "--name", "Off", "--user", "a@off.org:org_admin", stdout=io.StringIO())
