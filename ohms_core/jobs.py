"""Periodic jobs: registered by add-ons, scheduled by Huey, every run recorded in JobRun.

``@periodic_job(name, schedule=crontab(...), label=...)`` registers a function returning
the number of items it processed. Each run (scheduled or "run now") takes a Huey lock
named after the job, so two copies never run at once, and is written to JobRun with its
duration, success, error and item count.
"""
from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task
from huey.exceptions import TaskLockedException

logger = logging.getLogger(__name__)


@dataclass
class Job:
    name: str
    func: Callable[[], int | None]
    schedule: Callable
    schedule_label: str
    label: str
    description: str = ""
    addon: str = ""
    periodic_task: object = field(default=None, repr=False)


_jobs: dict[str, Job] = {}


def periodic_job(name: str, *, schedule: Callable, schedule_label: str, label: str = "", description: str = "", addon: str = ""):
    def decorator(func):
        job = Job(name=name, func=func, schedule=schedule, schedule_label=schedule_label,
                  label=label or name, description=description or (func.__doc__ or "").strip(), addon=addon)

        def scheduled_run():
            run_job(name)

        scheduled_run.__name__ = f"job_{name}"
        job.periodic_task = db_periodic_task(schedule, name=f"ohms.job.{name}")(scheduled_run)
        _jobs[name] = job
        return func

    return decorator


def jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda j: j.name)


def get_job(name: str) -> Job:
    return _jobs[name]


def run_job(name: str, *, trigger: str = "schedule", user_id=None, organization=None):
    """Run a job now in this process, recording a JobRun. Returns the run, or None when
    another copy holds the lock. With ``organization`` the job acts for that tenant (its
    reads go through ``scoping.scope_queryset``) and the run is shown to that
    organization's admins; without, it is a system job only operators see."""
    from .context import acting_as
    from .models import JobRun

    job = _jobs[name]
    try:
        lock = f"ohms-job-{name}" if organization is None else f"ohms-job-{name}-{organization.pk}"
        with HUEY.lock_task(lock):
            run = JobRun.objects.create(name=name, trigger=trigger, started_by_id=user_id, organization=organization)
            started = time.monotonic()
            try:
                with acting_as(organization=organization, reason=f"job {name}"):
                    processed = job.func()
            except Exception as exc:
                logger.exception("Job %s failed", name)
                run.success = False
                run.error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000]
            else:
                run.success = True
                run.items_processed = int(processed or 0)
            run.finished_at = timezone.now()
            run.duration_ms = int((time.monotonic() - started) * 1000)
            run.save()
            return run
    except TaskLockedException:
        logger.info("Job %s is already running; this run is skipped", name)
        return None


@db_task()
def run_job_task(name: str, user_id=None):
    # db_task already closes stale connections around the task in a worker (and, rightly,
    # not in immediate mode, where it runs inside the caller's transaction).
    return getattr(run_job(name, trigger="manual", user_id=user_id), "pk", None)


def job_run_now(*, name: str, user) -> None:
    """Admin "run now": enqueue a manual run (runs inline when Huey is immediate)."""
    if name not in _jobs:
        raise KeyError(name)
    run_job_task(name, user_id=getattr(user, "pk", None))


__all__ = ["crontab", "periodic_job", "jobs", "get_job", "run_job", "run_job_task", "job_run_now"]
