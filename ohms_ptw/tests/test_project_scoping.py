"""PTW objects of a project the member is not on: every door answers 404 (issue 7, sections 1-2).

The project scope lives in ohms_core.scoping (models declare ``tenancy_project_path``);
these tests pin it on the permit-to-work doors Wagtail and the generic views add.
"""
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_core.models import Membership
from ohms_core.scoping import scope_queryset

from ..models import IsolationPointLibrary, Permit, PermitIsolationPoint

pytestmark = pytest.mark.django_db


def _admin(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def setup(w):
    permit = Permit.objects.get(pk=w.create_permit(project=str(w.other_project.pk))["id"])
    point = PermitIsolationPoint.objects.create(organization=w.org, permit=permit, point=w.point)
    limited = testing.make_member(w.org, "org_admin", projects=[w.project])
    return permit, point, limited


@pytest.mark.parametrize("view", ["history", "history-results", "usage", "inspect", "edit", "delete"])
def test_permit_pages_of_another_project_are_404(view, w, setup):
    permit, _point, limited = setup
    assert _admin(limited).get(f"/admin/ptw/permits/{view}/{permit.pk}/").status_code == 404
    assert _admin(w.admin).get(f"/admin/ptw/permits/{view}/{permit.pk}/").status_code == 200


@pytest.mark.parametrize("target", ["permit", "point"])
def test_generic_transition_url_on_another_project_is_404(target, w, setup):
    permit, point, limited = setup
    instance = permit if target == "permit" else point
    content_type = ContentType.objects.get_for_model(instance)
    before = (instance.status, instance.version)
    for name in ("submit", "isolate", "cancel", "verify"):
        response = _admin(limited).post(f"/admin/ohms/transition/{content_type.pk}/{instance.pk}/{name}/", {})
        assert response.status_code == 404
    instance.refresh_from_db()
    assert (instance.status, instance.version) == before


def test_project_filter_answers_another_projects_id_like_an_unknown_id(w, setup):
    _permit, _point, limited = setup
    client = testing.token_client(limited, w.org)
    other = client.get(f"/api/v1/ptw/permits/?project={w.other_project.pk}")
    unknown = client.get(f"/api/v1/ptw/permits/?project={uuid.uuid4()}")
    assert other.status_code == unknown.status_code == 400
    assert other.json() == unknown.json()
    assert client.get(f"/api/v1/ptw/permits/?project={w.project.pk}").status_code == 200


def test_library_rows_without_project_are_every_members(w, setup):
    _permit, _point, limited = setup
    shared = IsolationPointLibrary.objects.create(organization=w.org, point_code="GLOBAL-1", point_type="breaker",
                                                  energy_type="electrical", location="Poste")
    elsewhere = IsolationPointLibrary.objects.create(organization=w.org, project=w.other_project, point_code="MINE-1",
                                                     point_type="breaker", energy_type="electrical", location="Mine")
    membership = Membership.objects.get(user=limited, organization=w.org)
    with acting_as(user=limited, organization=w.org, membership=membership):
        visible = set(scope_queryset(IsolationPointLibrary.objects.all()))
    assert {shared, w.point} <= visible and elsewhere not in visible


def test_people_filter_answers_another_organizations_user_like_an_unknown_id(w):
    other = testing.make_organization("OTH")
    outsider = testing.make_member(other, "issuer")
    client = w.client(w.admin)
    theirs = client.get("/api/v1/ptw/permits/", {"issuer": outsider.pk})
    unknown = client.get("/api/v1/ptw/permits/", {"issuer": 987654321})
    assert theirs.status_code == unknown.status_code == 400
    assert theirs.json() == unknown.json()
    assert client.get("/api/v1/ptw/permits/", {"issuer": w.issuer.pk}).status_code == 200
