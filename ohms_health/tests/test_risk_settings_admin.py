"""The per-organization scoring settings in the admin: saved, validated, one per organization."""
import pytest
from django.test import Client

from ohms_core import testing

from ..models import RiskSettings

NEW = "/admin/health/risk-settings/new/"
FIELDS = {f.name: str(f.default) for f in RiskSettings._meta.concrete_fields if f.name.endswith(("_weight", "_points",
                                                                                                   "_cap"))}


def _login(user):
    client = Client()
    assert client.login(username=user.username, password="pass-1234-word")
    return client


@pytest.mark.django_db
def test_org_admin_saves_settings_and_the_second_row_is_a_form_error(admin_a, org_a):
    client = _login(admin_a)
    assert client.get(NEW).status_code == 200
    response = client.post(NEW, {**FIELDS, "fitness_unfit_points": "50"})
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = RiskSettings.objects.get(organization=org_a)
    assert saved.fitness_unfit_points == 50
    again = client.post(NEW, FIELDS)
    assert again.status_code == 200 and RiskSettings.objects.count() == 1
    assert "already has risk scoring settings" in again.content.decode()


@pytest.mark.django_db
def test_weights_not_adding_up_to_one_are_refused(admin_a):
    response = _login(admin_a).post(NEW, {**FIELDS, "health_weight": "0.50"})
    assert response.status_code == 200 and not RiskSettings.objects.exists()
    assert "must add up to 1.00" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["auditor", "permit_requester", "worker"])
def test_other_roles_cannot_edit(org_a, role):
    client = _login(testing.make_member(org_a, role))
    assert client.get(NEW).status_code in (302, 403)
    client.post(NEW, FIELDS)
    assert not RiskSettings.objects.exists()
