"""PTW periodic jobs: retried by Huey after a failure, every attempt in JobRun, seen by the
ops health endpoint."""
from datetime import timedelta

import pytest
from huey.contrib.djhuey import HUEY

from ohms_core import jobs
from ohms_core.models import JobRun

from ..health import ptw_job_names

pytestmark = pytest.mark.django_db
ESCALATIONS = "ptw_check_overdue_workflow_tasks"


def test_every_ptw_job_has_retries_with_a_delay():
    names = ptw_job_names()
    assert {"ptw_auto_expire_permits", ESCALATIONS, "ptw_check_expiring_permits",
            "ptw_check_pending_closeout_and_isolation"} <= set(names)
    for name in names:
        job = jobs.get_job(name)
        assert (job.retries, job.retry_delay) == (2, 120), name
        assert job.periodic_task.retries == 2 and job.periodic_task.retry_delay == 120


def test_escalation_job_failing_once_records_the_error_then_the_success(w, monkeypatch):
    from ..services import escalations

    real, calls = escalations.escalations_check, {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise TimeoutError("mail relay timed out")
        return real(*args, **kwargs)

    monkeypatch.setattr(escalations, "escalations_check", flaky)
    job = jobs.get_job(ESCALATIONS)
    HUEY.execute(job.periodic_task.s())
    later = HUEY._get_timestamp() + timedelta(seconds=121)
    retries = [t for t in HUEY.read_schedule(later) if t.name == f"ohms.job.{ESCALATIONS}"]
    assert len(retries) == 1
    health = w.client(w.admin).get("/api/v1/ptw/health/").json()
    [entry] = [j for j in health["jobs"] if j["name"] == ESCALATIONS]
    assert "mail relay timed out" in entry["last_error"] and entry["last_success_at"] is None
    HUEY.execute(retries[0], timestamp=later)
    runs = list(JobRun.objects.filter(name=ESCALATIONS).order_by("started_at", "pk"))
    assert [r.success for r in runs] == [False, True]
    assert "TimeoutError: mail relay timed out" in runs[0].error and runs[1].error == ""
    [entry] = [j for j in w.client(w.admin).get("/api/v1/ptw/health/").json()["jobs"] if j["name"] == ESCALATIONS]
    assert entry["last_error"] is None and entry["last_success_at"] is not None and entry["last_duration_ms"] >= 0
