"""Admin side doors (issue 7, section 1) and the FK filter existence leak (1b).

Wagtail's own ``history/<pk>/`` and ``usage/<pk>/`` loaded the object unscoped; the
generic transition URL checked the organization only; list filters answered an id of
another organization differently from an unknown id.
"""
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from ohms_core import testing
from ohms_core.tests.workflow_app.models import Inspection

pytestmark = pytest.mark.django_db


def _admin(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("view", ["history", "history-results", "usage"])
def test_history_and_usage_of_another_organizations_object_are_404(view, org_a, admin_a, org_b):
    theirs, ours = testing.make_site(org_b, name="Kamoto secret"), testing.make_site(org_a)
    client = _admin(admin_a)
    response = client.get(f"/admin/core/sites/{view}/{theirs.pk}/")
    assert response.status_code == 404
    assert "Kamoto secret" not in response.content.decode()
    assert client.get(f"/admin/core/sites/{view}/{ours.pk}/").status_code == 200


@pytest.mark.parametrize("view", ["history", "history-results", "usage"])
def test_history_and_usage_of_another_project_are_404(view, org_a, admin_a):
    mine, other = testing.make_project(org_a), testing.make_project(org_a, name="Projet interdit")
    limited = testing.make_member(org_a, "org_admin", projects=[mine])
    client = _admin(limited)
    response = client.get(f"/admin/core/projects/{view}/{other.pk}/")
    assert response.status_code == 404
    assert "Projet interdit" not in response.content.decode()
    assert client.get(f"/admin/core/projects/{view}/{mine.pk}/").status_code == 200
    assert _admin(admin_a).get(f"/admin/core/projects/{view}/{other.pk}/").status_code == 200  # all projects


def test_history_shows_changes_audit_rows_and_transitions(org_a, admin_a, client_a):
    created = client_a.post("/api/v1/core/sites/", {"name": "Usine", "code": "USN"}, format="json")
    assert created.status_code == 201
    site_id = created.json()["id"]
    assert client_a.patch(f"/api/v1/core/sites/{site_id}/", {"name": "Usine Nord"}, format="json").status_code == 200
    body = _admin(admin_a).get(f"/admin/core/sites/history/{site_id}/").content.decode()
    assert 'data-ohms-history-row="record"' in body and 'data-ohms-history-row="audit"' in body
    assert "Name" in body  # the changed field, by name
    assert admin_a.email in body or admin_a.get_username() in body

    inspection = client_a.post("/api/v1/testflow/inspections/", {"title": "Garde-corps", "checklist_done": True}, format="json")
    assert inspection.status_code == 201
    pk = inspection.json()["id"]
    done = client_a.post(f"/api/v1/testflow/inspections/{pk}/transitions/submit/", {"comment": "RAS-4711"}, format="json")
    assert done.status_code == 200
    body = _admin(admin_a).get(f"/admin/testflow/inspections/history/{pk}/").content.decode()
    assert 'data-ohms-history-row="workflow"' in body
    assert "RAS-4711" in body and "draft → submitted" in body


def test_audit_rows_only_for_audit_log_readers(org_a, admin_a, client_a):
    site_id = client_a.post("/api/v1/core/sites/", {"name": "Usine", "code": "USN"}, format="json").json()["id"]
    requester = testing.make_member(org_a, "permit_requester")  # sees sites, not the audit log
    body = _admin(requester).get(f"/admin/core/sites/history/{site_id}/").content.decode()
    assert 'data-ohms-history-row="record"' in body and 'data-ohms-history-row="audit"' not in body


def test_history_is_role_gated(org_a):
    site = testing.make_site(org_a)
    integrator = testing.make_member(org_a, "integrator")
    response = _admin(integrator).get(f"/admin/core/memberships/history/{testing.make_member(org_a, 'auditor').ohms_memberships.get().pk}/")
    assert response.status_code in (302, 403)  # integrators may not read memberships
    assert _admin(testing.make_member(org_a, "auditor")).get(f"/admin/core/sites/history/{site.pk}/").status_code == 200


def _transition_url(instance, name):
    content_type = ContentType.objects.get_for_model(instance)
    return f"/admin/ohms/transition/{content_type.pk}/{instance.pk}/{name}/"


def test_generic_transition_url_on_another_organizations_object_is_404(org_a, admin_a, org_b):
    theirs = Inspection.objects.create(organization=org_b, title="B", checklist_done=True)
    response = _admin(admin_a).post(_transition_url(theirs, "submit"), {"ohms_version": theirs.version})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "draft"


def test_generic_transition_url_checks_the_transition_permission(org_a, admin_a):
    inspection = Inspection.objects.create(organization=org_a, title="A", checklist_done=True, findings="ok")
    Inspection.objects.filter(pk=inspection.pk).update(status="submitted")
    auditor = testing.make_member(org_a, "auditor")
    _admin(auditor).post(_transition_url(inspection, "approve"), {"next": "/admin/"})
    inspection.refresh_from_db()
    assert inspection.status == "submitted"  # refused: only approvers and admins approve
    _admin(admin_a).post(_transition_url(inspection, "approve"), {"next": "/admin/"})
    inspection.refresh_from_db()
    assert inspection.status == "approved"


def test_generic_transition_url_is_role_gated_before_lookup(org_a, monkeypatch):
    from ohms_core import permissions

    inspection = Inspection.objects.create(organization=org_a, title="A", checklist_done=True)
    worker = testing.make_member(org_a, "worker")
    rules = dict(permissions.POLICY["inspection"])
    monkeypatch.setitem(permissions.POLICY, "inspection", {**rules, "view": rules["view"] - {"worker"}})
    response = _admin(worker).post(_transition_url(inspection, "submit"))
    assert response.status_code in (302, 403)
    assert response.status_code == 403 or response["Location"].split("?")[0] in ("/admin/", "/admin/login/")
    inspection.refresh_from_db()
    assert inspection.status == "draft"


def test_fk_filter_answers_another_organizations_id_like_an_unknown_id(client_a, org_a, org_b):
    testing.make_project(org_a)
    their_site = testing.make_site(org_b)
    theirs = client_a.get(f"/api/v1/core/projects/?site={their_site.pk}")
    unknown = client_a.get(f"/api/v1/core/projects/?site={uuid.uuid4()}")
    assert theirs.status_code == unknown.status_code == 400
    assert theirs.json() == unknown.json()
    own_site = testing.make_site(org_a)
    assert client_a.get(f"/api/v1/core/projects/?site={own_site.pk}").status_code == 200


def test_admin_filter_sidebar_lists_only_own_choices(org_a, admin_a, org_b):
    testing.make_worker(org_a)
    testing.make_enterprise(org_b, name="Bravo Contracting")
    body = _admin(admin_a).get("/admin/core/workers/").content.decode()
    assert "Bravo Contracting" not in body
