"""GET /api/v1/ptw/health/ (SPEC 5.4): admins only, the exact shape, per-organization figures,
jobs from JobRun."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ohms_core import testing
from ohms_core.models import JobRun

from ..health import jobs_health, ptw_job_names
from ..models import ExportLogEntry, Permit
from .factories import PtwWorld
from .helpers import BASE, set_status

pytestmark = pytest.mark.django_db
URL = "/api/v1/ptw/health/"


def export_entry(org, *, hours_ago=1, kind="pdf_zip"):
    return _aged(ExportLogEntry.objects.create(organization=org, kind=kind, permit_count=3), hours_ago)


def _aged(entry, hours_ago):
    from django.db import connection

    with connection.cursor() as cursor:  # append-only model: the test moves the clock with raw SQL
        cursor.execute(f"UPDATE {ExportLogEntry._meta.db_table} SET created_at = %s WHERE id = %s",
                       [timezone.now() - timedelta(hours=hours_ago), entry.pk.hex])
    return entry


def test_health_endpoint_requires_admin(w):
    for user in (w.requester, w.verifier, w.approver, w.issuer, w.area, testing.make_member(w.org, "auditor"),
                 testing.make_member(w.org, "worker")):
        response = w.client(user).get(URL)
        assert response.status_code == 403, user
        assert response.json()["code"] == "permission_denied"
    assert w.client(testing.make_member(w.org, "safety_manager")).get(URL).status_code == 200
    assert w.client(w.admin).get(URL).status_code == 200


def test_health_endpoint_refuses_anonymous_callers(w):
    from rest_framework.test import APIClient

    assert APIClient().get(URL).status_code in (401, 403)


def test_health_endpoint_returns_expected_structure(w):
    response = w.client(w.admin).get(URL)  # a bearer token (testing.token_client)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"as_of", "sync", "exports", "workflow", "jobs"}
    assert body["sync"] == {"conflicts_last_24h": 0, "applied_last_24h": 0, "rejected_last_24h": 0}
    assert body["exports"] == {"bulk_exports_last_24h": 0}
    assert body["workflow"] == {"overdue_verification": 0, "overdue_approval": 0}
    names = [job["name"] for job in body["jobs"]]
    assert names == ptw_job_names() and "ptw_check_overdue_workflow_tasks" in names and "ptw_auto_expire_permits" in names
    for job in body["jobs"]:
        assert set(job) == {"name", "last_run_at", "last_success_at", "last_error", "last_duration_ms"}
    assert body["as_of"].endswith("Z")


def test_health_endpoint_accepts_the_admin_session(w, client):
    client.force_login(w.admin)
    assert client.get(URL).status_code == 200


def test_health_counts_bulk_exports_of_the_last_24_hours_of_this_organization_only(w):
    other = PtwWorld(code="OTH")
    export_entry(w.org, hours_ago=1)
    export_entry(w.org, hours_ago=23)
    export_entry(w.org, hours_ago=25)  # outside the window
    export_entry(other.org, hours_ago=1)
    export_entry(other.org, hours_ago=2)
    assert w.client(w.admin).get(URL).json()["exports"]["bulk_exports_last_24h"] == 2
    assert other.client(other.admin).get(URL).json()["exports"]["bulk_exports_last_24h"] == 2


def test_a_bulk_export_through_the_api_is_counted(w):
    permit_id = w.create_permit()["id"]
    client = w.client(w.admin)
    assert client.post(BASE + "bulk_export_excel/", {"permit_ids": [permit_id]}, format="json").status_code == 200
    response = client.post(BASE + "bulk_export_pdf/", {"permit_ids": [permit_id]}, format="json")
    b"".join(response.streaming_content)
    assert client.get(f"{BASE}{permit_id}/export_pdf/").status_code == 200  # one permit: not a bulk export
    entries = list(ExportLogEntry.objects.order_by("created_at"))
    assert [(e.kind, e.permit_count, e.user_id, e.organization_id) for e in entries] == [
        ("xlsx", 1, w.admin.pk, w.org.pk), ("pdf_zip", 1, w.admin.pk, w.org.pk)]
    assert client.get(URL).json()["exports"]["bulk_exports_last_24h"] == 2


def test_export_log_rows_are_append_only(w):
    from ..models.export_log import ExportLogAppendOnly

    entry = ExportLogEntry.objects.create(organization=w.org, kind="xlsx", permit_count=1)
    with pytest.raises(ExportLogAppendOnly):
        entry.save()
    with pytest.raises(ExportLogAppendOnly):
        entry.delete()
    with pytest.raises(ExportLogAppendOnly):
        ExportLogEntry.objects.filter(pk=entry.pk).update(permit_count=5)
    with pytest.raises(ExportLogAppendOnly):
        ExportLogEntry.objects.all().delete()


def test_health_workflow_counts_reuse_the_kpi_overdue_definitions(w):
    other = PtwWorld(code="OTH")
    old = timezone.now() - timedelta(hours=10)
    verification = w.create_permit()["id"]
    approval = w.create_permit()["id"]
    fresh = w.create_permit()["id"]
    theirs = other.create_permit()["id"]
    set_status(verification, "pending_verification")
    set_status(fresh, "pending_verification")
    set_status(approval, "pending_approval")
    set_status(theirs, "pending_verification")
    Permit.objects.filter(pk__in=[verification, theirs]).update(submitted_at=old)
    Permit.objects.filter(pk=fresh).update(submitted_at=timezone.now())
    Permit.objects.filter(pk=approval).update(verified_at=old)
    body = w.client(w.admin).get(URL).json()
    assert body["workflow"] == {"overdue_verification": 1, "overdue_approval": 1}
    kpis = w.client(w.admin).get(BASE + "kpis/").json()["overdue"]
    assert kpis["pending_verification"] == 1 and kpis["pending_approval"] == 1


def test_health_jobs_come_from_job_runs(w):
    now = timezone.now()
    JobRun.objects.create(name="ptw_auto_expire_permits", started_at=now - timedelta(minutes=20),
                          finished_at=now - timedelta(minutes=20), success=True, duration_ms=12)
    JobRun.objects.create(name="ptw_auto_expire_permits", started_at=now - timedelta(minutes=10), success=False,
                          finished_at=now - timedelta(minutes=10), error="OperationalError: database is locked",
                          duration_ms=30)
    JobRun.objects.create(name="ptw_check_expiring_permits", started_at=now - timedelta(minutes=5),
                          finished_at=now - timedelta(minutes=5), success=True, duration_ms=7)
    # Another organization's run of a PTW job is not this organization's business.
    other = testing.make_organization("ZZZ")
    JobRun.objects.create(name="ptw_check_expiring_permits", started_at=now, success=False, error="theirs",
                          organization=other)
    jobs = {job["name"]: job for job in w.client(w.admin).get(URL).json()["jobs"]}
    expire = jobs["ptw_auto_expire_permits"]
    assert expire["last_error"] == "OperationalError: database is locked" and expire["last_duration_ms"] == 30
    assert expire["last_run_at"] == (now - timedelta(minutes=10)).isoformat().replace("+00:00", "Z")
    assert expire["last_success_at"] == (now - timedelta(minutes=20)).isoformat().replace("+00:00", "Z")
    expiring = jobs["ptw_check_expiring_permits"]
    assert expiring["last_error"] is None and expiring["last_duration_ms"] == 7
    never = jobs["ptw_check_pending_closeout_and_isolation"]
    assert never == {"name": never["name"], "last_run_at": None, "last_success_at": None, "last_error": None,
                     "last_duration_ms": None}


def test_health_query_count_does_not_grow_with_runs_or_exports(w, django_assert_max_num_queries):
    def fill(n):
        for _i in range(n):
            for name in ptw_job_names():
                JobRun.objects.create(name=name, success=True, finished_at=timezone.now(), duration_ms=1)
            ExportLogEntry.objects.create(organization=w.org, kind="xlsx", permit_count=2)
            w.create_permit()

    client = w.client(w.admin)
    fill(1)
    client.get(URL)  # warm the per-process caches (token, membership)
    with django_assert_max_num_queries(12) as small:
        assert client.get(URL).status_code == 200
    baseline = len(small)
    assert baseline > 0
    fill(10)
    with django_assert_max_num_queries(baseline):
        assert client.get(URL).status_code == 200
    assert len(jobs_health(organization=w.org)) == len(ptw_job_names())


def test_health_sync_figures_come_from_the_sync_ledger_and_run_log(w):
    """SPEC 5.4 ``sync``: applied changes from AppliedOfflineChange (a repeat counted once),
    conflicts and rejections from SyncRunLog; the last 24 hours of this organization only."""
    from ohms_core.models import SyncRunLog

    permit = w.create_permit()
    other = PtwWorld(code="OTH")
    other_permit = other.create_permit()
    change = {"entity": "permit", "op": "update", "offline_id": "h-1", "server_id": permit["id"],
              "client_version": permit["version"], "data": {"title": "Synchronisé"}}
    stale = {**change, "offline_id": "h-2", "data": {"title": "Périmé"}}
    refused = {**change, "offline_id": "h-3", "server_id": "00000000-0000-0000-0000-000000000000"}
    sync_url = "/api/v1/ptw/sync-offline-data/"
    for body in ([change], [change, stale, refused]):
        assert w.client(w.requester).post(sync_url, {"device_id": "t-1", "changes": body}, format="json").status_code == 200
    other.client(other.requester).post(sync_url, {"device_id": "t-9", "changes": [
        {**change, "server_id": other_permit["id"], "client_version": other_permit["version"]}]}, format="json")
    old = SyncRunLog.objects.create(organization=w.org, device_id="t-1", conflict_count=5, rejected_count=5)
    SyncRunLog.objects.filter(pk=old.pk).update(started_at=timezone.now() - timedelta(hours=30))
    body = w.client(w.admin).get(URL).json()
    assert body["sync"] == {"conflicts_last_24h": 1, "applied_last_24h": 1, "rejected_last_24h": 1}
