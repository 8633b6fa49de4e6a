"""Periodic jobs: every run recorded in JobRun, never two copies at once, run now from the admin."""
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from ohms_core import jobs, testing
from ohms_core.models import Document, JobRun, Notification

pytestmark = pytest.mark.django_db
PASSWORD = "pass-1234-word"


def _login(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _notification(user, org, n, *, read, age_days):
    return Notification.objects.create(
        organization=org, user=user, event_type="test.old", title=f"N{n}", dedupe_key=f"old-{n}",
        is_read=read, created_at=timezone.now() - timedelta(days=age_days),
    )


def test_run_job_records_a_successful_run(temporary_job):
    temporary_job("test_counts_three", lambda: 3, label="Counts three")
    before = timezone.now()
    run = jobs.run_job("test_counts_three")
    run.refresh_from_db()
    assert (run.name, run.trigger, run.started_by, run.success, run.error, run.items_processed) == (
        "test_counts_three", "schedule", None, True, "", 3)
    assert before <= run.started_at <= run.finished_at
    assert run.duration_ms is not None and run.duration_ms >= 0
    assert jobs.get_job("test_counts_three").label == "Counts three"


def test_failing_job_records_the_error(temporary_job):
    def explode():
        raise ValueError("retention table is locked")

    temporary_job("test_explodes", explode)
    run = jobs.run_job("test_explodes")
    run.refresh_from_db()
    assert run.success is False
    assert "ValueError: retention table is locked" in run.error
    assert run.finished_at is not None and run.items_processed == 0
    assert not HUEY.is_locked("ohms-job-test_explodes")  # the lock is released after a failure
    assert jobs.run_job("test_explodes") is not None


def test_locked_job_is_skipped(temporary_job):
    calls = []
    temporary_job("test_locked", lambda: calls.append(1) or 1)
    with HUEY.lock_task("ohms-job-test_locked"):
        assert jobs.run_job("test_locked") is None
    assert calls == [] and JobRun.objects.filter(name="test_locked").count() == 0
    assert jobs.run_job("test_locked").success is True
    assert calls == [1]


def test_lock_left_by_a_dead_consumer_is_released_once(temporary_job, settings):
    """A consumer SIGKILLed inside a job leaves its lock and an unfinished run: an hour later
    (``OHMS_JOB_STALE_LOCK_SECONDS``) the next run closes that run as interrupted, frees the
    lock and runs. A recent unfinished run is a live one: its lock is respected."""
    settings.OHMS_JOB_STALE_LOCK_SECONDS = 3600
    calls = []
    temporary_job("test_orphaned", lambda: calls.append(1) or 1)
    lock = HUEY.lock_task("ohms-job-test_orphaned")
    lock.__enter__()  # held by the "dead" consumer: never exited
    try:
        live = JobRun.objects.create(name="test_orphaned", started_at=timezone.now() - timedelta(minutes=5))
        assert jobs.run_job("test_orphaned") is None  # a run started 5 minutes ago may still be running
        assert calls == []
        JobRun.objects.filter(pk=live.pk).update(started_at=timezone.now() - timedelta(hours=2))
        run = jobs.run_job("test_orphaned")
        assert run is not None and run.success is True and calls == [1]
        live.refresh_from_db()
        assert live.success is False and live.finished_at is not None and "Interrupted" in live.error
        assert not HUEY.is_locked("ohms-job-test_orphaned")
    finally:
        lock.clear()


def test_job_runs_in_a_system_context(temporary_job):
    from ohms_core.context import get_context

    seen = {}

    def look():
        seen["ctx"] = get_context()
        return 0

    temporary_job("test_context", look)
    jobs.run_job("test_context")
    assert seen["ctx"].reason == "job test_context" and seen["ctx"].user is None


def test_notifications_cleanup_deletes_old_read_notifications(org_a, admin_a, settings):
    settings.OHMS_NOTIFICATION_RETENTION_DAYS = 30
    old_read = [_notification(admin_a, org_a, n, read=True, age_days=40) for n in range(2)]
    old_unread = _notification(admin_a, org_a, 10, read=False, age_days=40)
    recent_read = _notification(admin_a, org_a, 11, read=True, age_days=5)
    run = jobs.run_job("notifications_cleanup")
    assert run.success is True and run.items_processed == 2
    assert not Notification.objects.filter(pk__in=[n.pk for n in old_read]).exists()
    assert set(Notification.objects.values_list("pk", flat=True)) == {old_unread.pk, recent_read.pk}


def test_documents_retention_soft_deletes_expired_documents(org_a, admin_a):
    def document(title, retention_until):
        doc = Document(organization=org_a, title=title, file_size=1, retention_until=retention_until)
        doc.file.save("d.txt", ContentFile(b"x"), save=False)
        doc.save()
        return doc

    today = timezone.localdate()
    expired = document("Expired", today - timedelta(days=1))
    kept = document("Kept", today + timedelta(days=1))
    forever = document("Forever", None)
    run = jobs.run_job("documents_retention")
    assert run.success is True and run.items_processed == 1
    assert Document.all_objects.get(pk=expired.pk).is_deleted
    assert not Document.all_objects.get(pk=kept.pk).is_deleted
    assert not Document.all_objects.get(pk=forever.pk).is_deleted
    assert jobs.run_job("documents_retention").items_processed == 0


def test_core_jobs_are_registered_with_huey():
    names = {job.name for job in jobs.jobs()}
    assert {"events_sweep", "documents_retention", "notifications_cleanup"} <= names
    for job in jobs.jobs():
        assert job.periodic_task is not None and job.schedule_label
    assert jobs.get_job("events_sweep").schedule_label == "every minute"


@pytest.fixture
def operator(org_a):
    """A superuser (the people who run the installation), member of organization A."""
    user = testing.make_member(org_a, "org_admin", "operator@alpha.test")
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    return user


def test_jobs_screen_lists_every_job(operator, temporary_job):
    temporary_job("test_listed", lambda: 0, schedule_label="weekly on Sunday")
    jobs.run_job("notifications_cleanup")
    response = _login(operator).get("/admin/ohms/jobs/")
    assert response.status_code == 200
    body = response.content.decode()
    for job in jobs.jobs():
        assert f'data-ohms-job="{job.name}"' in body
        assert str(job.schedule_label) in body  # lazy: translated at render time
    assert "weekly on Sunday" in body
    assert body.count("/run/") >= len(jobs.jobs())


def test_run_now_by_operator_records_a_manual_run(operator):
    client = _login(operator)
    response = client.post("/admin/ohms/jobs/notifications_cleanup/run/")
    assert response.status_code == 302 and response["Location"] == "/admin/ohms/jobs/"
    run = JobRun.objects.get(name="notifications_cleanup")
    assert (run.trigger, run.started_by, run.success) == ("manual", operator, True)
    body = client.get("/admin/ohms/jobs/").content.decode()
    assert "Run now" in body and operator.username in body  # the recent run, with who started it


def test_org_admin_sees_only_runs_of_their_organization(admin_a, org_a, org_b):
    JobRun.objects.create(name="events_sweep", success=False, error="SYSTEM-SECRET row of Bravo")
    JobRun.objects.create(name="events_sweep", success=False, error="BRAVO-ONLY failure", organization=org_b)
    JobRun.objects.create(name="events_sweep", success=False, error="ALPHA-OWN failure", organization=org_a)
    response = _login(admin_a).get("/admin/ohms/jobs/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "ALPHA-OWN" in body
    assert "SYSTEM-SECRET" not in body and "BRAVO-ONLY" not in body
    assert "data-ohms-job=" not in body and "/run/" not in body  # no system job rows, no "Run now"


def test_org_admin_cannot_run_system_jobs(admin_a):
    response = _login(admin_a).post("/admin/ohms/jobs/notifications_cleanup/run/")
    assert response.status_code == 403
    assert JobRun.objects.count() == 0


def test_run_now_of_unknown_job_runs_nothing(operator):
    response = _login(operator).post("/admin/ohms/jobs/no-such-job/run/")
    assert response.status_code == 302
    assert JobRun.objects.count() == 0


def test_non_admin_cannot_see_or_run_jobs(org_a):
    requester = testing.make_member(org_a, "permit_requester")
    client = _login(requester)
    assert client.get("/admin/ohms/jobs/").status_code in (302, 403)
    assert client.post("/admin/ohms/jobs/notifications_cleanup/run/").status_code in (302, 403)
    assert JobRun.objects.count() == 0
    assert client.get("/admin/ohms/jobs/notifications_cleanup/run/").status_code == 405  # POST only


def test_a_run_for_an_organization_acts_for_it_and_is_shown_to_its_admin(admin_a, org_a, org_b, temporary_job):
    from ohms_core.models import Site
    from ohms_core.scoping import scope_queryset

    testing.make_site(org_a), testing.make_site(org_b), testing.make_site(org_b)
    temporary_job("test_per_org", lambda: scope_queryset(Site.objects.all()).count())
    run = jobs.run_job("test_per_org", organization=org_b)
    assert (run.organization, run.items_processed, run.success) == (org_b, 2, True)
    jobs.run_job("test_per_org", organization=org_a)
    body = _login(admin_a).get("/admin/ohms/jobs/").content.decode()
    assert body.count("test_per_org") == 1  # A's own run only
