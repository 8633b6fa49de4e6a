"""Permit REST API: numbering, create validation, risk, signatures, and scoping of every
/api/v1/ptw/ endpoint across organizations and projects."""
import base64
import re
import threading
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ohms_core import testing
from ohms_core.context import acting_as
from ohms_core.models import Event

from ..models import (
    DigitalSignature,
    LotoLog,
    LotoProcedure,
    Permit,
    PermitAudit,
    PermitHazard,
    PermitIsolationPoint,
    PermitWorker,
    RiskMatrix,
)
from .factories import PtwWorld
from .helpers import BASE, api_gas, assign, orm_point, point_action, purl, set_status, window

YEAR = timezone.localdate().year
PASSWORD = "pass-1234-word"  # ohms_core.testing.make_user's default
pytestmark = pytest.mark.django_db  # the concurrency test overrides it with transaction=True


# --- numbering --------------------------------------------------------------------------
def test_permit_numbers_are_sequential_per_organization(w):
    first, second = w.create_permit(), w.create_permit()
    assert first["permit_number"] == f"PTW-SMK-{YEAR}-00001"
    assert second["permit_number"] == f"PTW-SMK-{YEAR}-00002"
    other = PtwWorld(code="BRV")
    assert other.create_permit()["permit_number"] == f"PTW-BRV-{YEAR}-00001"
    assert w.create_permit()["permit_number"] == f"PTW-SMK-{YEAR}-00003"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks (CI runs it there)")
def test_ten_concurrent_creations_get_ten_distinct_numbers():
    w = PtwWorld(code="RACE")
    clients = [testing.token_client(w.requester, w.org) for _ in range(10)]
    payload = w.permit_payload()
    barrier = threading.Barrier(10)
    results, lock = [], threading.Lock()

    def create(client):
        try:
            barrier.wait(timeout=10)
            response = client.post(BASE, payload, format="json")
            with lock:
                results.append((response.status_code, response.json().get("permit_number")))
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [code for code, _ in results] == [201] * 10, results
    numbers = sorted(number for _, number in results)
    assert numbers == [f"PTW-RACE-{YEAR}-{n:05d}" for n in range(1, 11)]
    assert Permit.objects.filter(organization=w.org).count() == 10


# --- create -----------------------------------------------------------------------------

def test_create_records_creator_audit_and_event(w):
    created = w.create_permit()
    assert created["status"] == "draft" and created["version"] == 1
    assert created["created_by"] == w.requester.pk
    permit = Permit.objects.get(pk=created["id"])
    assert permit.organization == w.org and permit.project == w.project
    assert PermitAudit.objects.filter(permit=permit, action="created", user=w.requester).count() == 1
    assert Event.objects.filter(type="ptw.permit.created", object_id=str(permit.pk)).count() == 1


def test_create_validation(w):
    client = w.client(w.requester)
    start = timezone.now() + timedelta(hours=1)

    r = client.post(BASE, w.permit_payload(planned_start_time=start.isoformat(),
                                           planned_end_time=(start - timedelta(minutes=1)).isoformat()), format="json")
    assert r.status_code == 400 and "planned_end_time" in r.json()["errors"]
    r = client.post(BASE, w.permit_payload(planned_start_time=start.isoformat(), planned_end_time=start.isoformat()),
                    format="json")
    assert r.status_code == 400 and "planned_end_time" in r.json()["errors"]

    r = client.post(BASE, w.permit_payload(planned_start_time=start.isoformat(),
                                           planned_end_time=(start + timedelta(hours=12, minutes=1)).isoformat()),
                    format="json")
    assert r.status_code == 400 and "12" in r.json()["errors"]["planned_end_time"][0]
    r = client.post(BASE, w.permit_payload(planned_start_time=start.isoformat(),
                                           planned_end_time=(start + timedelta(hours=12)).isoformat()), format="json")
    assert r.status_code == 201, r.json()

    other = PtwWorld(code="BRV")
    r = client.post(BASE, w.permit_payload(project=str(other.project.pk)), format="json")
    assert r.status_code == 400 and "project" in r.json()["errors"]
    r = client.post(BASE, w.permit_payload(permit_type=str(other.permit_type.pk)), format="json")
    assert r.status_code == 400 and "permit_type" in r.json()["errors"]

    r = client.post(BASE, w.permit_payload(verifier=other.verifier.pk), format="json")
    assert r.status_code == 400 and "verifier" in r.json()["errors"]
    stranger = testing.make_user()
    r = client.post(BASE, w.permit_payload(approver=stranger.pk, issuer=stranger.pk), format="json")
    assert r.status_code == 400 and {"approver", "issuer"} <= set(r.json()["errors"])

    r = client.post(BASE, w.permit_payload(likelihood=6), format="json")
    assert r.status_code == 400 and "likelihood" in r.json()["errors"]
    assert Permit.objects.filter(organization=w.org).count() == 1  # only the valid 12 h permit


@pytest.mark.parametrize("likelihood, severity, level", [(3, 4, "high"), (1, 1, "low"), (2, 3, "medium"), (4, 5, "extreme"),
                                                         (2, 2, "low"), (3, 3, "medium"), (4, 4, "high")])
def test_risk_level_from_the_default_matrix(w, likelihood, severity, level):
    created = w.create_permit(likelihood=likelihood, severity=severity)
    assert created["risk_level"] == level
    assert created["risk_score"] == likelihood * severity
    matrix = RiskMatrix.objects.get(organization=w.org, is_default=True)
    assert created["risk_matrix"] == str(matrix.pk)
    assert matrix.grid[likelihood - 1][severity - 1] == level


def test_risk_level_from_a_chosen_matrix_and_recomputed_on_update(w):
    with acting_as(organization=w.org):
        strict = RiskMatrix.objects.create(organization=w.org, name="Stricte", grid=[["extreme"] * 5 for _ in range(5)])
    created = w.create_permit(likelihood=1, severity=1, risk_matrix=str(strict.pk))
    assert created["risk_level"] == "extreme"
    r = w.client(w.requester).patch(purl(created["id"]), {"risk_matrix": None}, format="json")
    assert r.status_code == 200
    # No matrix given: the organization's default applies.
    assert r.json()["risk_level"] == "low" and r.json()["risk_matrix"] is not None
    r = w.client(w.requester).patch(purl(created["id"]), {"likelihood": 5, "severity": 5}, format="json")
    assert r.json()["risk_level"] == "extreme" and r.json()["risk_score"] == 25


def test_status_and_computed_fields_cannot_be_set_by_patch(w):
    created = w.create_permit()
    r = w.client(w.requester).patch(purl(created["id"]), {
        "status": "approved", "permit_number": "PTW-HACK", "risk_level": "low", "extension_count": 9,
        "approved_at": timezone.now().isoformat(), "title": "Nouveau titre"}, format="json")
    assert r.status_code == 200, r.json()
    permit = Permit.objects.get(pk=created["id"])
    assert permit.status == "draft" and permit.permit_number == created["permit_number"]
    assert permit.risk_level == "high" and permit.extension_count == 0 and permit.approved_at is None
    assert permit.title == "Nouveau titre" and permit.version == 2
    r = w.client(w.requester).put(purl(created["id"]), {**w.permit_payload(), "status": "active"}, format="json")
    assert r.status_code == 200 and Permit.objects.get(pk=created["id"]).status == "draft"


def test_patch_with_a_stale_version_is_409(w):
    created = w.create_permit()
    client = w.client(w.requester)
    assert client.patch(purl(created["id"]), {"title": "A", "version": 1}, format="json").status_code == 200
    r = client.patch(purl(created["id"]), {"title": "B", "version": 1}, format="json")
    assert r.status_code == 409
    assert Permit.objects.get(pk=created["id"]).title == "A"


def test_times_locked_once_in_progress_and_closed_permits_read_only(w):
    created = w.create_permit()
    set_status(created["id"], "approved")
    r = w.client(w.requester).patch(purl(created["id"]), window(2), format="json")
    assert r.status_code == 400 and r.json()["code"] == "use_extension"
    set_status(created["id"], "completed")
    r = w.client(w.requester).patch(purl(created["id"]), {"title": "Trop tard"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "permit_closed"
    assert Permit.objects.get(pk=created["id"]).title == created["title"]


# --- signatures -------------------------------------------------------------------------
def test_signature_needs_the_password_and_hashes_the_signed_version(w):
    pid = w.create_permit()["id"]
    client = w.client(w.issuer)
    r = client.post(purl(pid, "sign"), {"meaning": "issuer", "password": "wrong"}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "wrong_password"
    assert not DigitalSignature.objects.filter(permit_id=pid).exists()

    r = client.post(purl(pid, "sign"), {"meaning": "issuer", "password": PASSWORD, "signature_data": "data:image/png;base64,AAAA"},
                    format="json")
    assert r.status_code == 201, r.json()
    first = r.json()
    assert re.fullmatch(r"[0-9a-f]{64}", first["content_hash"])
    assert first["permit_version"] == Permit.objects.get(pk=pid).version
    assert first["signatory"] == w.issuer.pk and first["meaning"] == "issuer"
    assert "signature_data" not in first and "password" not in first
    assert DigitalSignature.objects.get(pk=first["id"]).signature_data == "data:image/png;base64,AAAA"
    assert PermitAudit.objects.filter(permit_id=pid, action="signed").count() == 1

    # Same content → same hash; changed content → another hash and version.
    again = client.post(purl(pid, "sign"), {"meaning": "issuer", "password": PASSWORD}, format="json").json()
    assert again["content_hash"] == first["content_hash"]
    w.client(w.requester).patch(purl(pid), {"description": "Entrée en cuve T-12 et T-13"}, format="json")
    changed = client.post(purl(pid, "sign"), {"meaning": "issuer", "password": PASSWORD}, format="json").json()
    assert changed["content_hash"] != first["content_hash"]
    assert changed["permit_version"] == first["permit_version"] + 1
    r = client.post(purl(pid, "sign"), {"meaning": "boss", "password": PASSWORD}, format="json")
    assert r.status_code == 400 and "meaning" in r.json()["errors"]


# --- scoping ----------------------------------------------------------------------------
def _populate(w, pid):
    """One of each child on permit ``pid``; returns {endpoint: id}."""
    issuer = w.client(w.issuer)
    ids = {"gas-readings": api_gas(w, pid, "O2", "20.9").json()["id"]}
    r = issuer.post("/api/v1/ptw/permit-hazards/", {"permit": pid, "hazard": "Atmosphère toxique"}, format="json")
    assert r.status_code == 201, r.json()
    ids["permit-hazards"] = r.json()["id"]
    worker = testing.make_worker(w.org)
    r = issuer.post("/api/v1/ptw/permit-workers/", {"permit": pid, "worker": str(worker.pk)}, format="json")
    assert r.status_code == 201, r.json()
    ids["permit-workers"] = r.json()["id"]
    photo = SimpleUploadedFile("cuve.png", base64.b64decode(  # a real 1x1 PNG: photos are checked by their bytes
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="), content_type="image/png")
    r = issuer.post("/api/v1/ptw/permit-photos/", {"permit": pid, "photo_type": "before", "file": photo,
                                                   "taken_at": timezone.now().isoformat()}, format="multipart")
    assert r.status_code == 201, r.json()
    ids["permit-photos"] = r.json()["id"]
    point_id = assign(w, pid, library_point=w.point).json()["id"]
    point_action(w, pid, point_id, "isolate", lock_ids=["L-7"])
    ids["permit-isolation-points"] = point_id
    ids["loto-logs"] = LotoLog.objects.get(permit_id=pid).pk  # integer ids
    r = issuer.post(purl(pid, "sign"), {"meaning": "issuer", "password": PASSWORD}, format="json")
    ids["signatures"] = r.json()["id"]
    ids["permit-audits"] = PermitAudit.objects.filter(permit_id=pid).first().pk
    return ids


def _config_ids(w):
    with acting_as(organization=w.org):
        procedure = LotoProcedure.objects.create(organization=w.org, asset_tag="BROY-2", name="Broyeur 2",
                                                 project=w.project, steps="1. Arrêt\n2. Consignation")
    procedure.points.add(w.point)
    return {"permit-types": str(w.permit_type.pk), "risk-matrices": str(RiskMatrix.objects.get(organization=w.org).pk),
            "closeout-templates": str(w.template.pk), "isolation-points": str(w.point.pk),
            "loto-procedures": str(procedure.pk)}


PERMIT_ACTIONS = [
    ("get", "readiness", None), ("get", "isolation", None), ("get", "closeout", None), ("get", "transitions", None),
    ("post", "transitions/approve", {"comment": "x"}), ("post", "workflow/initiate", {}),
    ("post", "workflow/verify", {"decision": "approve"}), ("post", "workflow/approve", {"decision": "approve"}),
    ("post", "update_status", {"status": "active"}),
    ("post", "extend", {"new_end_time": (timezone.now() + timedelta(hours=9)).isoformat(), "reason": "x"}),
    ("post", "sign", {"meaning": "issuer", "password": PASSWORD}),
    ("post", "assign_isolation", {"custom_point_name": "X"}),
    ("post", "update_isolation", {"permit_isolation_point_id": "00000000-0000-0000-0000-000000000000", "action": "verify"}),
    ("post", "update_closeout", {"checklist": {"tools_removed": True}}), ("post", "complete_closeout", {}),
    ("get", "", None), ("patch", "", {"title": "x"}), ("delete", "", None),
]


def _results(response):
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def test_other_organization_gets_404_everywhere_and_lists_exclude_it(w):
    mine = w.create_permit()["id"]
    my_ids = _populate(w, mine)
    my_config = _config_ids(w)
    other = PtwWorld(code="BRV")
    theirs = other.create_permit()["id"]
    their_ids = _populate(other, theirs)
    their_config = _config_ids(other)
    status_before = Permit.objects.get(pk=theirs).status
    client = w.client(w.admin)

    for endpoint, their_id in {**their_ids, **their_config}.items():
        r = client.get(f"/api/v1/ptw/{endpoint}/{their_id}/")
        assert r.status_code == 404, endpoint
        listed = _results(client.get(f"/api/v1/ptw/{endpoint}/"))
        assert their_id not in listed, endpoint
        assert {**my_ids, **my_config}[endpoint] in listed, endpoint
    assert _results(client.get(BASE)) == {mine}

    for method, action, body in PERMIT_ACTIONS:
        r = getattr(client, method)(purl(theirs, action), body, format="json")
        assert r.status_code == 404, (method, action, r.status_code)
    for endpoint in ("permit-types", "risk-matrices", "closeout-templates", "isolation-points", "loto-procedures",
                     "permit-hazards", "permit-workers"):
        assert client.patch(f"/api/v1/ptw/{endpoint}/{their_config.get(endpoint) or their_ids[endpoint]}/", {},
                            format="json").status_code == 404, endpoint

    permit = Permit.objects.get(pk=theirs)
    assert permit.status == status_before and permit.title != "x" and not permit.is_deleted
    assert not PermitIsolationPoint.objects.filter(permit_id=theirs, custom_point_name="X").exists()
    assert DigitalSignature.objects.filter(permit_id=theirs).count() == 1

    # Bodies cannot reach across either: their permit or library point is an unknown id.
    r = api_gas(w, theirs, "O2", "20.9", user=w.admin)
    assert r.status_code == 400 and "permit" in r.json()["errors"]
    r = client.post("/api/v1/ptw/permit-hazards/", {"permit": theirs, "hazard": "x"}, format="json")
    assert r.status_code == 400 and "permit" in r.json()["errors"]
    r = assign(w, mine, user=w.admin, library_point=other.point)
    assert r.status_code == 400 and "library_point_id" in r.json()["errors"]
    assert PermitHazard.objects.filter(permit_id=theirs).count() == 1


def test_member_of_another_project_gets_404_and_cannot_create_there(w):
    pid = w.create_permit()["id"]
    ids = _populate(w, pid)
    # A safety manager passes every role check, so only the project scope can refuse.
    restricted = testing.make_member(w.org, "safety_manager", projects=[w.other_project])
    client = w.client(restricted)
    mine = client.post(BASE, w.permit_payload(project=str(w.other_project.pk)), format="json")
    assert mine.status_code == 201, mine.json()

    for method, action, body in PERMIT_ACTIONS:
        r = getattr(client, method)(purl(pid, action), body, format="json")
        assert r.status_code == 404, (method, action, r.status_code)
    for endpoint, child_id in ids.items():
        assert client.get(f"/api/v1/ptw/{endpoint}/{child_id}/").status_code == 404, endpoint
        assert child_id not in _results(client.get(f"/api/v1/ptw/{endpoint}/")), endpoint
    assert _results(client.get(BASE)) == {mine.json()["id"]}
    assert _results(client.get(BASE, {"project": str(w.project.pk)})) == set()

    r = client.post(BASE, w.permit_payload(), format="json")
    assert r.status_code == 400 and "project" in r.json()["errors"]
    r = api_gas(w, pid, "O2", "20.9", user=restricted)
    assert r.status_code == 400 and "permit" in r.json()["errors"]
    worker = testing.make_worker(w.org)
    r = client.post("/api/v1/ptw/permit-workers/", {"permit": pid, "worker": str(worker.pk)}, format="json")
    assert r.status_code == 400 and "permit" in r.json()["errors"]
    assert not PermitWorker.objects.filter(worker=worker).exists()
    assert Permit.objects.filter(project=w.project).count() == 1

    # A member of both projects sees both.
    both = testing.make_member(w.org, "issuer", projects=[w.project, w.other_project])
    assert _results(w.client(both).get(BASE)) == {pid, mine.json()["id"]}


def test_list_query_count_does_not_grow_with_rows(w):
    client = w.client(w.admin)

    def add(n):
        for _ in range(n):
            pid = w.create_permit()["id"]
            orm_point(w, pid, status="verified", library_point=w.point)
            orm_point(w, pid, status="assigned", name="V-1")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(BASE, {"page_size": 50})
        assert r.status_code == 200
        return len(ctx.captured_queries), r.json()["count"]

    add(3)
    client.get(BASE)  # warm-up
    few, total = count()
    assert total == 3
    add(9)
    many, total = count()
    assert total == 12
    assert few == many, (few, many)
    assert many <= 15, many
    row = client.get(BASE).json()["results"][0]
    assert row["isolation_summary"]["total"] == 2 and row["isolation_summary"]["verified_required"] == 1


def test_list_filters(w):
    a = w.create_permit(likelihood=1, severity=1)
    b = w.create_permit()
    set_status(b["id"], "active")
    client = w.client(w.admin)
    assert _results(client.get(BASE, {"status": "active"})) == {b["id"]}
    assert _results(client.get(BASE, {"status": ["active", "draft"]})) == {a["id"], b["id"]}
    assert _results(client.get(BASE, {"risk_level": "low"})) == {a["id"]}
    assert _results(client.get(BASE, {"permit_category": "confined_space"})) == {a["id"], b["id"]}
    assert _results(client.get(BASE, {"permit_category": "hot_work"})) == set()
    assert _results(client.get(BASE, {"search": b["permit_number"]})) == {b["id"]}
