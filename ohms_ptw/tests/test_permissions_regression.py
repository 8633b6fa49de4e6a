"""Permission regression suite (SPEC 5.4): two projects, two permits, a member of one project.

The member is an org admin limited to project A (the strongest role, so only the project
scope can refuse): every path that reads or writes a permit of project B must answer as
if it did not exist (404), and change nothing.
"""
from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from ohms_core import testing

from ..models import Permit, PermitCloseout, PermitIsolationPoint
from .helpers import BASE, orm_point, purl, set_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_projects(w):
    """(member of project A only, permit of A, permit of B)."""
    mine = Permit.objects.get(pk=w.create_permit(title="Permis projet A")["id"])
    theirs = Permit.objects.get(pk=w.create_permit(title="Permis projet B", project=str(w.other_project.pk))["id"])
    member = testing.make_member(w.org, "org_admin", projects=[w.project])
    assert (mine.project_id, theirs.project_id) == (w.project.pk, w.other_project.pk)
    return member, mine, theirs


def test_bulk_export_filters_unauthorized_permits(w, two_projects):
    member, mine, theirs = two_projects
    client = w.client(member)
    # By ids: the other project's permit is left out exactly like an id that does not exist.
    response = client.post(BASE + "bulk_export_pdf/", {"permit_ids": [str(mine.pk), str(theirs.pk)]}, format="json")
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert names == [f"PTW_{mine.permit_number}.pdf"]
    # Only ids of the other project: nothing to export, 404 (never a 403 telling it exists).
    assert client.post(BASE + "bulk_export_pdf/", {"permit_ids": [str(theirs.pk)]}, format="json").status_code == 404
    assert client.post(BASE + "bulk_export_excel/", {"permit_ids": [str(theirs.pk)]}, format="json").status_code == 404
    # By filters (even naming project B): only the member's permits.
    response = client.post(BASE + "bulk_export_excel/", {"filters": {}}, format="json")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).worksheets[0]
    cells = {str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None}
    assert mine.permit_number in cells and theirs.permit_number not in cells
    response = client.post(BASE + "bulk_export_excel/", {"filters": {"project": str(w.other_project.pk)}},
                           format="json")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).worksheets[0]
        assert theirs.permit_number not in {str(c) for row in sheet.iter_rows(values_only=True) for c in row if c}
    # The single-permit exports are scoped the same way.
    assert client.get(purl(theirs.pk, "export_pdf")).status_code == 404
    assert client.get(purl(mine.pk, "export_pdf")).status_code == 200
    # An admin of the whole organization gets both (the scope, not the role, refused).
    response = w.client(w.admin).post(BASE + "bulk_export_pdf/", {"permit_ids": [str(mine.pk), str(theirs.pk)]},
                                      format="json")
    assert len(zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()) == 2


def test_isolation_update_requires_project_access(w, two_projects):
    member, mine, theirs = two_projects
    set_status(theirs.pk, "approved")
    point = orm_point(w, theirs.pk, status="assigned", name="Vanne B")
    client = w.client(member)
    response = client.post(purl(theirs.pk, "update_isolation"),
                           {"permit_isolation_point_id": str(point.pk), "action": "isolate", "lock_ids": ["L-1"]},
                           format="json")
    assert response.status_code == 404
    point.refresh_from_db()
    assert point.status == "assigned" and point.version == 1
    assert client.post(purl(theirs.pk, "assign_isolation"), {"custom_point_name": "Vanne X"},
                       format="json").status_code == 404
    assert PermitIsolationPoint.objects.filter(permit=theirs).count() == 1
    assert client.get(purl(theirs.pk, "isolation")).status_code == 404
    # Aiming the point of project B through the member's own permit does not reach it either.
    response = client.post(purl(mine.pk, "update_isolation"),
                           {"permit_isolation_point_id": str(point.pk), "action": "isolate"}, format="json")
    assert response.status_code == 404
    point.refresh_from_db()
    assert point.status == "assigned"
    assert client.get(purl(mine.pk, "isolation")).status_code == 200


def test_closeout_update_requires_project_access(w, two_projects):
    member, mine, theirs = two_projects
    set_status(theirs.pk, "active")
    closeout = PermitCloseout.objects.create(organization=w.org, permit=theirs, template=w.template, checklist={})
    client = w.client(member)
    response = client.post(purl(theirs.pk, "update_closeout"),
                           {"checklist": {"tools_removed": {"done": True}}, "remarks": "fait"}, format="json")
    assert response.status_code == 404
    assert client.post(purl(theirs.pk, "complete_closeout"), {}, format="json").status_code == 404
    assert client.get(purl(theirs.pk, "closeout")).status_code == 404
    closeout.refresh_from_db()
    assert closeout.checklist == {} and closeout.remarks == "" and closeout.completed is False
    assert client.get(purl(mine.pk, "closeout")).status_code == 200


# SPEC 5.4 test_sync_rejects_cross_project_permit_update belongs with the offline sync endpoint
# (sync-offline-data, issue 10): write it there with the ``two_projects`` fixture above.


def test_sync_rejects_cross_project_permit_update(w, two_projects):
    """Offline sync (SPEC 5.1 "Security"): a change to a permit of another project comes back
    ``permission_denied`` (with nothing about that permit) and changes nothing; the same
    call's change to the member's own permit is applied."""
    member, mine, theirs = two_projects
    changes = [{"entity": "permit", "op": "update", "offline_id": "x-1", "server_id": str(theirs.pk),
                "client_version": theirs.version, "data": {"title": "Modifié hors projet"}},
               {"entity": "permit", "op": "update_status", "offline_id": "x-2", "server_id": str(theirs.pk),
                "data": {"status": "cancelled", "comment": "hors projet"}},
               {"entity": "permit", "op": "update", "offline_id": "x-3", "server_id": str(mine.pk),
                "client_version": mine.version, "data": {"title": "Modifié dans mon projet"}}]
    response = w.client(member).post("/api/v1/ptw/sync-offline-data/", {"device_id": "tab", "changes": changes},
                                     format="json")
    assert response.status_code == 200
    body = response.json()
    assert [(r["offline_id"], r["reason"]) for r in body["rejected"]] == [("x-1", "permission_denied"),
                                                                           ("x-2", "permission_denied")]
    assert all("server_state" not in r for r in body["rejected"]) and body["conflicts"] == []
    theirs.refresh_from_db()
    assert (theirs.title, theirs.status) == ("Permis projet B", "draft")
    assert [a["offline_id"] for a in body["applied"]] == ["x-3"]
    assert Permit.objects.get(pk=mine.pk).title == "Modifié dans mon projet"
