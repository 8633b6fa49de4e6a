"""Retries of periodic jobs: a failed scheduled run is run again by Huey after the delay,
and every attempt is its own JobRun (the error stays on record next to the success)."""
from datetime import timedelta

import pytest
from huey.contrib.djhuey import HUEY

from ohms_core import jobs
from ohms_core.models import JobRun

pytestmark = pytest.mark.django_db


def flaky(failures: int):
    """A job body failing ``failures`` times, then processing 4 items."""
    calls = {"n": 0}

    def body():
        calls["n"] += 1
        if calls["n"] <= failures:
            raise ConnectionError(f"SMTP down (call {calls['n']})")
        return 4

    return body


def later(seconds: float):
    return HUEY._get_timestamp() + timedelta(seconds=seconds)


def due_retries(name: str, *, after_seconds: float):
    """The retries Huey holds for ``name`` that are due ``after_seconds`` from now (taken out
    of the schedule, as the consumer's scheduler does)."""
    due = HUEY.read_schedule(later(after_seconds))
    return [task for task in due if task.name == f"ohms.job.{name}"]


def test_a_job_that_fails_once_then_succeeds_records_an_error_then_a_success(temporary_job):
    job = temporary_job("test_flaky_once", flaky(1), retries=2, retry_delay=30)
    assert (job.retries, job.retry_delay) == (2, 30)
    HUEY.execute(job.periodic_task.s())  # the scheduled run, as the consumer does it
    first = JobRun.objects.get(name="test_flaky_once")
    assert first.success is False and "SMTP down (call 1)" in first.error
    assert due_retries("test_flaky_once", after_seconds=5) == []  # not before the delay
    [retry] = due_retries("test_flaky_once", after_seconds=31)
    assert retry.retries == 1
    HUEY.execute(retry, timestamp=later(31))  # the consumer's scheduler, once the delay has passed
    runs = list(JobRun.objects.filter(name="test_flaky_once").order_by("started_at", "pk"))
    assert [(r.success, r.items_processed) for r in runs] == [(False, 0), (True, 4)]
    assert runs[1].error == ""
    assert due_retries("test_flaky_once", after_seconds=3600) == []  # done: nothing left to retry


def test_retries_stop_when_spent_and_every_attempt_is_recorded(temporary_job):
    job = temporary_job("test_always_down", flaky(99), retries=1, retry_delay=10)
    HUEY.execute(job.periodic_task.s())
    [retry] = due_retries("test_always_down", after_seconds=11)
    HUEY.execute(retry, timestamp=later(11))  # the last attempt fails too: recorded, not raised again, not requeued
    assert due_retries("test_always_down", after_seconds=3600) == []
    runs = JobRun.objects.filter(name="test_always_down").order_by("started_at", "pk")
    assert [r.success for r in runs] == [False, False]
    assert all("SMTP down" in r.error for r in runs)


def test_a_job_without_retries_waits_for_its_next_schedule(temporary_job):
    job = temporary_job("test_no_retry", flaky(1))
    HUEY.execute(job.periodic_task.s())
    assert due_retries("test_no_retry", after_seconds=3600) == []
    assert list(JobRun.objects.filter(name="test_no_retry").values_list("success", flat=True)) == [False]
    assert job.retries == 0


def test_run_now_and_run_job_never_raise_for_retries(temporary_job):
    temporary_job("test_manual_flaky", flaky(1), retries=3, retry_delay=5)
    run = jobs.run_job("test_manual_flaky", trigger="manual")
    assert run.success is False  # recorded; a manual run is not retried behind the user's back
    assert due_retries("test_manual_flaky", after_seconds=3600) == []
