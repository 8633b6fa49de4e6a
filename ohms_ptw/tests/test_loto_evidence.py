"""LOTO evidence (issue 9): lock photos through the permit photo service, shown on the
isolation tab through the checked download; LOTO procedures prefill the permit's steps."""
import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from ohms_core import testing
from ohms_core.context import acting_as

from ..models import (
    IsolationPointLibrary,
    LotoLog,
    LotoProcedure,
    PermitAudit,
    PermitIsolationPoint,
)
from .factories import PtwWorld
from .helpers import assign, point_action, purl, set_status

pytestmark = pytest.mark.django_db
LOTO = "/api/v1/ptw/loto-logs/"


def _png_bytes(color=(255, 0, 0)):
    buffer = io.BytesIO()
    Image.new("RGB", (3, 3), color).save(buffer, format="PNG")
    return buffer.getvalue()


def _upload(content=None, name="cadenas.png"):
    return SimpleUploadedFile(name, content if content is not None else _png_bytes(), content_type="image/png")


def _isolated_log(w, pid=None, library_point=None):
    """A permit with one isolated point: its LOTO log entry (written by the isolation service)."""
    pid = pid or w.create_permit()["id"]
    r = assign(w, pid, library_point=library_point or w.point)
    assert r.status_code == 201, r.json()
    r = point_action(w, pid, r.json()["id"], "isolate", lock_ids=["L-1"])
    assert r.status_code == 200, r.json()
    return LotoLog.objects.filter(permit_id=pid).latest("timestamp")


def _attach(w, log, content=None, user=None):
    return w.client(user or w.issuer).post(f"{LOTO}{log.pk}/photo/", {"photo": _upload(content)}, format="multipart")


def _login(user):
    client = Client()
    assert client.login(username=user.username, password="pass-1234-word")
    return client


# --- photo ------------------------------------------------------------------------------
def test_photo_is_stored_with_its_hash_and_served_through_the_checked_route(w):
    log = _isolated_log(w)
    content = _png_bytes()
    r = _attach(w, log, content)
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["photo_hash"] == hashlib.sha256(content).hexdigest()
    assert body["photo"].endswith(f"/api/v1/ptw/loto-logs/{log.pk}/download/")
    log.refresh_from_db()
    assert log.photo.name.startswith(f"{w.org.pk}/ptw-loto/") and "cadenas" not in log.photo.name
    served = w.client(w.issuer).get(f"{LOTO}{log.pk}/download/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == content
    assert PermitAudit.objects.filter(permit=log.permit, action="loto_photo_added").count() == 1


def test_bad_image_is_rejected_400_nothing_stored(w):
    log = _isolated_log(w)
    r = _attach(w, log, b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")
    assert r.status_code == 400
    assert "photo" in str(r.json())
    log.refresh_from_db()
    assert not log.photo and log.photo_hash == ""


def test_missing_photo_is_400(w):
    log = _isolated_log(w)
    r = w.client(w.issuer).post(f"{LOTO}{log.pk}/photo/", {}, format="multipart")
    assert r.status_code == 400 and "photo" in r.json().get("errors", r.json())


def test_duplicate_photo_is_deduplicated(w):
    pid = w.create_permit()["id"]
    first = _isolated_log(w, pid)
    content = _png_bytes()
    assert _attach(w, first, content).status_code == 201
    again = _attach(w, first, content)  # a retry: the same evidence, 200, nothing new
    assert again.status_code == 200 and again.json()["id"] == first.pk
    assert PermitAudit.objects.filter(permit_id=pid, action="loto_photo_added").count() == 1
    # The same bytes on another entry of the permit are stored once (same file).
    with acting_as(organization=w.org):
        second_point = IsolationPointLibrary.objects.create(organization=w.org, project=w.project, point_code="MCC-02",
                                                            asset_tag="BROY-2", point_type="breaker")
    second = _isolated_log(w, pid, library_point=second_point)
    assert _attach(w, second, content).status_code == 201
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.photo.name == first.photo.name and second.photo_hash == first.photo_hash


def test_another_photo_never_replaces_the_evidence_409(w):
    log = _isolated_log(w)
    assert _attach(w, log, _png_bytes()).status_code == 201
    r = _attach(w, log, _png_bytes((0, 0, 255)))
    assert r.status_code == 409 and r.json()["code"] == "loto_photo_exists"


def test_only_isolating_people_attach_the_photo(w):
    log = _isolated_log(w)
    outsider = testing.make_member(w.org, "permit_requester")
    r = _attach(w, log, user=outsider)
    assert r.status_code == 403
    log.refresh_from_db()
    assert not log.photo


def test_closed_permit_takes_no_new_photo(w):
    log = _isolated_log(w)
    set_status(log.permit_id, "cancelled")
    assert _attach(w, log).status_code == 400


def test_other_org_cannot_attach_or_download(w):
    log = _isolated_log(w)
    assert _attach(w, log).status_code == 201
    other = PtwWorld(code="OTH")
    assert other.client(other.admin).get(f"{LOTO}{log.pk}/download/").status_code == 404
    assert _attach(other, log, _png_bytes((1, 2, 3)), user=other.admin).status_code == 404
    elsewhere = testing.make_member(w.org, "safety_manager", projects=[w.other_project])
    assert testing.token_client(elsewhere, w.org).get(f"{LOTO}{log.pk}/download/").status_code == 404
    assert Client().get(f"{LOTO}{log.pk}/download/").status_code in (401, 403)


# --- procedures -------------------------------------------------------------------------
def _procedure(w, points=(), **extra):
    with acting_as(organization=w.org):
        procedure = LotoProcedure.objects.create(organization=w.org, project=w.project, asset_tag="BROY-2",
                                                 name="Consignation broyeur", steps="Couper MCC-01\nCadenasser\nTester", **extra)
        procedure.points.set(points)
    return procedure


def test_apply_procedure_copies_points_and_steps_then_editable(w):
    with acting_as(organization=w.org):
        second = IsolationPointLibrary.objects.create(organization=w.org, project=w.project, point_code="VAL-07",
                                                      asset_tag="BROY-2", point_type="valve", energy_type="hydraulic")
    procedure = _procedure(w, points=[w.point, second])
    pid = w.create_permit()["id"]
    r = w.client(w.requester).post(purl(pid, "apply_loto_procedure"), {"loto_procedure_id": str(procedure.pk)}, format="json")
    assert r.status_code == 201, r.json()
    points = r.json()["points"]
    assert sorted(p["point_code"] for p in points) == ["MCC-01", "VAL-07"]
    assert all(p["isolation_steps"] == procedure.steps and p["loto_procedure"] == str(procedure.pk) for p in points)
    # Edit the copy: the procedure keeps its steps.
    row = PermitIsolationPoint.objects.get(pk=points[0]["id"])
    edited = w.client(w.requester).post(purl(pid, "update_isolation_steps"), {
        "permit_isolation_point_id": str(row.pk), "isolation_steps": "Couper MCC-01\nCadenasser deux fois", "version": row.version},
        format="json")
    assert edited.status_code == 200, edited.json()
    assert edited.json()["isolation_steps"] == "Couper MCC-01\nCadenasser deux fois"
    procedure.refresh_from_db()
    assert procedure.steps == "Couper MCC-01\nCadenasser\nTester"
    stale = w.client(w.requester).post(purl(pid, "update_isolation_steps"), {
        "permit_isolation_point_id": str(row.pk), "isolation_steps": "x", "version": row.version}, format="json")
    assert stale.status_code == 409
    # Applying again adds nothing: a 400 with the reason.
    again = w.client(w.requester).post(purl(pid, "apply_loto_procedure"), {"loto_procedure_id": str(procedure.pk)}, format="json")
    assert again.status_code == 400 and "loto_procedure_id" in str(again.json())


def test_procedure_without_points_becomes_one_custom_point(w):
    procedure = _procedure(w)
    pid = w.create_permit()["id"]
    r = w.client(w.requester).post(purl(pid, "apply_loto_procedure"), {"loto_procedure_id": str(procedure.pk)}, format="json")
    assert r.status_code == 201
    (point,) = r.json()["points"]
    assert point["custom_point_name"].startswith("BROY-2") and point["isolation_steps"] == procedure.steps


def test_assign_with_procedure_prefills_steps_and_library_method_otherwise(w):
    with acting_as(organization=w.org):
        IsolationPointLibrary.objects.filter(pk=w.point.pk).update(isolation_method="Ouvrir le disjoncteur")
    w.point.refresh_from_db()
    procedure = _procedure(w)
    pid = w.create_permit()["id"]
    r = assign(w, pid, library_point=w.point)
    assert r.status_code == 201 and r.json()["isolation_steps"] == "Ouvrir le disjoncteur"
    r = assign(w, pid, custom_point_name="Vanne V-3", loto_procedure_id=str(procedure.pk))
    assert r.status_code == 201 and r.json()["isolation_steps"] == procedure.steps
    r = assign(w, pid, custom_point_name="Vanne V-4", loto_procedure_id=str(procedure.pk), isolation_steps="Fermer V-4")
    assert r.status_code == 201 and r.json()["isolation_steps"] == "Fermer V-4"


def test_other_org_procedure_is_refused(w):
    other = PtwWorld(code="OTH")
    foreign = _procedure(other)
    pid = w.create_permit()["id"]
    r = w.client(w.requester).post(purl(pid, "apply_loto_procedure"), {"loto_procedure_id": str(foreign.pk)}, format="json")
    assert r.status_code == 400 and "loto_procedure_id" in str(r.json())
    r = assign(w, pid, custom_point_name="X", loto_procedure_id=str(foreign.pk))
    assert r.status_code == 400
    assert not PermitIsolationPoint.objects.filter(permit_id=pid).exists()


def test_other_org_cannot_apply_on_my_permit(w):
    procedure = _procedure(w)
    pid = w.create_permit()["id"]
    other = PtwWorld(code="OTH")
    r = other.client(other.admin).post(purl(pid, "apply_loto_procedure"), {"loto_procedure_id": str(procedure.pk)}, format="json")
    assert r.status_code == 404


# --- admin: the isolation tab -----------------------------------------------------------
def test_admin_tab_shows_the_photo_through_the_checked_route(w):
    log = _isolated_log(w)
    assert _attach(w, log).status_code == 201
    page = _login(w.admin).get(f"/admin/ptw/permits/inspect/{log.permit_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/api/v1/ptw/loto-logs/{log.pk}/download/" in html
    assert "/media/" not in html
    assert "data-ptw-loto-log" in html


def test_admin_attach_photo_apply_procedure_and_edit_steps(w):
    procedure = _procedure(w, points=[w.point])
    pid = w.create_permit()["id"]
    client = _login(w.admin)
    r = client.post(f"/admin/ptw/permits/{pid}/loto-procedure/", {"loto-loto_procedure": str(procedure.pk)})
    assert r.status_code == 302
    point = PermitIsolationPoint.objects.get(permit_id=pid)
    assert point.isolation_steps == procedure.steps and point.loto_procedure_id == procedure.pk
    r = client.post(f"/admin/ptw/permits/{pid}/isolation-steps/{point.pk}/", {"isolation_steps": "Étape unique",
                                                                               "version": point.version})
    assert r.status_code == 302
    point.refresh_from_db()
    assert point.isolation_steps == "Étape unique"
    r = point_action(w, pid, point.pk, "isolate", lock_ids=["L-1"])
    assert r.status_code == 200
    log = LotoLog.objects.get(permit_id=pid)
    r = client.post(f"/admin/ptw/permits/{pid}/loto/{log.pk}/photo/", {"lotophoto-photo": _upload()})
    assert r.status_code == 302
    log.refresh_from_db()
    assert log.photo and len(log.photo_hash) == 64
    bad = LotoLog.objects.create(organization=w.org, permit_id=pid, action="active", user=w.admin)
    client.post(f"/admin/ptw/permits/{pid}/loto/{bad.pk}/photo/", {"lotophoto-photo": _upload(b"not an image")})
    bad.refresh_from_db()
    assert not bad.photo


def test_admin_other_org_gets_404(w):
    log = _isolated_log(w)
    other = PtwWorld(code="OTH")
    client = _login(other.admin)
    r = client.post(f"/admin/ptw/permits/{log.permit_id}/loto/{log.pk}/photo/", {"lotophoto-photo": _upload()})
    assert r.status_code == 404
    log.refresh_from_db()
    assert not log.photo


ISOLATION_TABLES = ("ohms_ptw_lotolog", "ohms_ptw_permitisolationpoint", "ohms_ptw_lotoprocedure")


def _isolation_queries(captured):
    return [q["sql"] for q in captured if any(table in q["sql"] for table in ISOLATION_TABLES)]


def _add_logged_points(w, pid, n, start=0):
    with acting_as(organization=w.org):
        for i in range(start, start + n):
            point = IsolationPointLibrary.objects.create(organization=w.org, project=w.project, point_code=f"P-{i}",
                                                         asset_tag="BROY-2", point_type="breaker")
            extra = _isolated_log(w, pid, library_point=point)
            assert _attach(w, extra, _png_bytes((i, i, i))).status_code == 201


#: Pre-existing, not LOTO: the "shared point" gate (gates.shared_point_holders) asks, for each
#: locked library point, whether another permit relies on its locks: one query per locked point.
SHARED_POINT_CHECK = 'SELECT "ohms_ptw_permit"."permit_number" AS "permit__permit_number" FROM "ohms_ptw_permitisolationpoint"'


def _page_queries(captured):
    return [q["sql"] for q in captured if not q["sql"].startswith(SHARED_POINT_CHECK)]


def test_isolation_tab_query_count_is_flat(w):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pid = w.create_permit()["id"]
    _add_logged_points(w, pid, 2)
    client = _login(w.admin)
    url = f"/admin/ptw/permits/inspect/{pid}/"
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    few = _page_queries(before.captured_queries)  # now: the next request resets the query log
    _add_logged_points(w, pid, 5, start=2)
    client.get(url)
    with CaptureQueriesContext(connection) as after:
        page = client.get(url)
    assert page.status_code == 200
    assert page.content.decode().count("data-ptw-loto-photo") == 7
    many = _page_queries(after.captured_queries)
    assert len(few) > 10 and len(many) == len(few), [sql[:120] for sql in many]
