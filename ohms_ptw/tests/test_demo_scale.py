"""``ohms_demo --scale`` (issue 13 "Load test"): scaled organizations at a tiny size, their
rows and states, reachable by their own demo users with the list's normal query count."""
from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ohms_core import testing
from ohms_core.demo_scale import scaled_login
from ohms_core.models import Membership, Organization, Worker
from ohms_ptw.demo_scale import status_of
from ohms_ptw.models import (
    GasReading,
    Permit,
    PermitCloseout,
    PermitIsolationPoint,
    PermitWorker,
    WorkflowInstance,
    WorkflowStep,
)
from ohms_ptw.states import PermitStatus
from ohms_ptw.tests.factories import PtwWorld

pytestmark = pytest.mark.django_db

PERMITS, WORKERS = 1000, 12


def _run(**options):
    out = StringIO()
    call_command("ohms_demo", stdout=out, **options)
    return out.getvalue()


def _list_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/ptw/permits/?page_size=50")
    assert response.status_code == 200
    return response.json(), len(ctx.captured_queries)


def test_scale_loads_organizations_with_permits_in_every_state_reachable_by_their_users():
    output = _run(scale=2, permits_per_org=PERMITS, workers_per_org=WORKERS)

    assert "SC01" in output and "SC02" in output
    assert scaled_login("securite", 1) in output and scaled_login("emetteur", 2) in output
    first, second = Organization.objects.get(code="SC01"), Organization.objects.get(code="SC02")
    assert not Organization.objects.filter(code="SMK").exists()  # --scale loads only the scaled organizations
    for org in (first, second):
        permits = Permit.objects.filter(organization=org)
        assert permits.count() == PERMITS
        assert Worker.objects.filter(organization=org).count() == WORKERS
        assert Membership.objects.filter(organization=org).count() == 9
        assert PermitWorker.objects.filter(organization=org).count() == 2 * PERMITS
    statuses = Counter(Permit.objects.filter(organization=first).values_list("status", flat=True))
    expected = Counter(status_of(n, every_state=True) for n in range(PERMITS))
    assert statuses == expected
    assert set(statuses) == set(PermitStatus.values) - {"verified"}  # every state but the legacy one

    # What each state implies.
    unstarted = Permit.objects.filter(organization=first, status__in=("draft", "submitted", "obsolete"))
    assert not WorkflowInstance.objects.filter(permit__in=unstarted).exists()
    assert not GasReading.objects.filter(permit__in=unstarted).exists()
    live = Permit.objects.filter(organization=first, status__in=("approved", "active", "suspended"))
    assert WorkflowInstance.objects.filter(permit__in=live, state="completed").count() == live.count()
    assert WorkflowStep.objects.filter(workflow__permit__in=live, status="approved").count() == 2 * live.count()
    assert not WorkflowStep.objects.filter(workflow__permit__in=live, status="pending").exists()
    gas_types = live.filter(permit_type__requires_gas_testing=True)
    assert gas_types.exists()
    assert GasReading.objects.filter(permit__in=gas_types).count() == 4 * gas_types.count()
    isolated = live.filter(permit_type__requires_structured_isolation=True)
    assert isolated.exists()
    assert PermitIsolationPoint.objects.filter(permit__in=isolated, status="verified").count() == isolated.count()
    pending = Permit.objects.filter(organization=first, status="pending_approval")
    assert WorkflowStep.objects.filter(workflow__permit__in=pending, step_type="approval", status="pending").count() \
        == pending.count()
    completed = Permit.objects.filter(organization=first, status="completed")
    assert PermitCloseout.objects.filter(permit__in=completed, completed=True).count() == completed.count()
    for permit in live.select_related("permit_type")[:20]:
        duration = permit.planned_end_time - permit.planned_start_time
        assert duration.total_seconds() <= permit.permit_type.max_validity_hours * 3600
    if apps.is_installed("ohms_health"):
        from ohms_health.models import MedicalExamination

        assert MedicalExamination.objects.filter(organization=first).count() == 2 * WORKERS

    # A demo user of SC01 lists SC01's permits only, with the list's normal query count
    # (the same as a fresh organization's list of one permit).
    approver = get_user_model().objects.get(username=scaled_login("approbateur", 1))
    client = testing.token_client(approver, first)
    _list_queries(client)  # the token's first use is recorded once
    page, scaled_queries = _list_queries(client)
    assert page["count"] == PERMITS
    assert {row["permit_number"].split("-")[1] for row in page["results"]} == {"SC01"}
    other = Permit.objects.filter(organization=second).first()
    assert client.get(f"/api/v1/ptw/permits/{other.pk}/").status_code == 404
    mine = Permit.objects.filter(organization=first, status="active").first()
    assert client.get(f"/api/v1/ptw/permits/{mine.pk}/").status_code == 200
    assert client.get(f"/api/v1/ptw/permits/{mine.pk}/readiness/").status_code == 200
    assert client.get("/api/v1/ptw/permits/kpis/").status_code == 200

    # The load test's writes work on the scaled data for its logins (org admin, issuer): a gas
    # reading on an active permit, and the suspend/resume pair.
    for prefix in ("admin", "emetteur"):
        writer = testing.token_client(get_user_model().objects.get(username=scaled_login(prefix, 1)), first)
        live_one = Permit.objects.filter(organization=first, status="active").order_by("permit_number").first()
        for gas, value in (("O2", "20.9"), ("LEL", "0"), ("H2S", "0"), ("CO", "0")):  # fresh readings to resume
            reading = writer.post("/api/v1/ptw/gas-readings/", {
                "permit": str(live_one.pk), "gas": gas, "value": value, "unit": "%",
                "tested_at": timezone.now().isoformat()}, format="json")
            assert reading.status_code == 201, reading.content
        for name in ("suspend", "resume"):
            moved = writer.post(f"/api/v1/ptw/permits/{live_one.pk}/transitions/{name}/", {"comment": "load test"},
                                format="json")
            assert moved.status_code == 200, (prefix, name, moved.content)
        assert Permit.objects.get(pk=live_one.pk).status == "active"

    world = PtwWorld(code="QC")
    world.create_permit()
    small = world.client(world.approver)
    _list_queries(small)
    _, small_queries = _list_queries(small)
    assert scaled_queries == small_queries

    # Run twice: nothing added, said so; a larger N adds only the missing organization.
    again = _run(scale=2, permits_per_org=PERMITS, workers_per_org=WORKERS)
    assert "Already present" in again and "SC01, SC02" in again
    assert Permit.objects.filter(organization__code__in=("SC01", "SC02")).count() == 2 * PERMITS
    _run(scale=3, permits_per_org=10, workers_per_org=3)
    assert Permit.objects.filter(organization__code="SC03").count() == 10
    assert Permit.objects.filter(organization__code__in=("SC01", "SC02")).count() == 2 * PERMITS


def test_scale_refuses_bad_sizes():
    with pytest.raises(CommandError):
        _run(scale=1, permits_per_org=-1)
    assert not Organization.objects.filter(code="SC01").exists()
