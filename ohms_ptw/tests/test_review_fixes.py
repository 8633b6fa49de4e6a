"""Signature meanings, future-dated readings, my tasks, LOTO procedure scoping."""
from datetime import timedelta

import pytest
from django.utils import timezone

from ohms_core import testing
from ohms_core.context import acting_as

from ..models import DigitalSignature, GasReading, LotoProcedure
from .factories import PtwWorld

pytestmark = pytest.mark.django_db
PASSWORD = "pass-1234-word"


def test_only_the_named_person_signs_with_a_meaning():
    w = PtwWorld()
    pid = w.create_permit()["id"]
    r = w.client(w.requester).post(f"/api/v1/ptw/permits/{pid}/sign/", {"meaning": "approver", "password": PASSWORD}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "not_signatory"
    assert not DigitalSignature.objects.exists()
    r = w.client(w.approver).post(f"/api/v1/ptw/permits/{pid}/sign/", {"meaning": "approver", "password": PASSWORD}, format="json")
    assert r.status_code == 201
    r = w.client(w.admin).post(f"/api/v1/ptw/permits/{pid}/sign/", {"meaning": "receiver", "password": PASSWORD}, format="json")
    assert r.status_code == 201  # org admins may sign for any role


def test_future_dated_gas_reading_is_refused():
    w = PtwWorld()
    pid = w.create_permit()["id"]
    later = (timezone.now() + timedelta(days=2)).isoformat()
    r = w.client(w.issuer).post("/api/v1/ptw/gas-readings/", {"permit": pid, "gas": "O2", "value": "20.9", "tested_at": later}, format="json")
    assert r.status_code == 400 and "tested_at" in r.json()["errors"]
    assert not GasReading.objects.exists()


def test_my_tasks_lists_pending_steps_of_the_caller():
    w = PtwWorld()
    pid = w.create_permit()["id"]
    w.client(w.requester).post(f"/api/v1/ptw/permits/{pid}/workflow/initiate/", {}, format="json")
    rows = w.client(w.verifier).get("/api/v1/ptw/my-tasks/").json()["results"]
    assert [(r["step_type"], r["permit"]["id"], r["overdue"]) for r in rows] == [("verification", pid, False)]
    assert w.client(w.approver).get("/api/v1/ptw/my-tasks/").json()["count"] == 0
    w.client(w.verifier).post(f"/api/v1/ptw/permits/{pid}/workflow/verify/", {"decision": "approve"}, format="json")
    assert w.client(w.verifier).get("/api/v1/ptw/my-tasks/").json()["count"] == 0
    rows = w.client(w.approver).get("/api/v1/ptw/my-tasks/", {"group": "approval"}).json()["results"]
    assert [r["permit"]["permit_number"] for r in rows] == [w.client(w.approver).get(f"/api/v1/ptw/permits/{pid}/").json()["permit_number"]]
    other = PtwWorld(code="BRV")
    assert other.client(other.approver).get("/api/v1/ptw/my-tasks/").json()["count"] == 0


def test_loto_procedures_follow_project_scoping():
    w = PtwWorld()
    with acting_as(organization=w.org):
        LotoProcedure.objects.create(organization=w.org, asset_tag="A1", name="Concentrateur", project=w.project, steps="1")
        LotoProcedure.objects.create(organization=w.org, asset_tag="A2", name="Mine", project=w.other_project, steps="1")
        LotoProcedure.objects.create(organization=w.org, asset_tag="A3", name="Global", steps="1")
    restricted = testing.make_member(w.org, "permit_requester", projects=[w.project])
    names = sorted(r["name"] for r in testing.token_client(restricted, w.org).get("/api/v1/ptw/loto-procedures/").json()["results"])
    assert names == ["Concentrateur", "Global"]


def test_new_verifier_takes_over_the_pending_step():
    w = PtwWorld()
    pid = w.create_permit()["id"]
    w.client(w.requester).post(f"/api/v1/ptw/permits/{pid}/workflow/initiate/", {}, format="json")
    replacement = testing.make_member(w.org, "verifier")
    r = w.client(w.requester).patch(f"/api/v1/ptw/permits/{pid}/", {"verifier": replacement.pk}, format="json")
    assert r.status_code == 200, r.json()
    assert w.client(replacement).get("/api/v1/ptw/my-tasks/").json()["count"] == 1
    assert w.client(w.verifier).get("/api/v1/ptw/my-tasks/").json()["count"] == 0
    denied = w.client(w.verifier).post(f"/api/v1/ptw/permits/{pid}/workflow/verify/", {"decision": "approve"}, format="json")
    assert denied.status_code == 403
    ok = w.client(replacement).post(f"/api/v1/ptw/permits/{pid}/workflow/verify/", {"decision": "approve"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "pending_approval"
