"""Periodic jobs: registered by add-ons, scheduled by Huey, every run recorded in JobRun.

``@periodic_job(name, schedule=crontab(...), label=...)`` registers a function returning
the number of items it processed. Each run (scheduled or "run now") takes a Huey lock
named after the job, so two copies never run at once, and is written to JobRun with its
duration, success, error and item count.

``retries=`` / ``retry_delay=`` (seconds) make Huey run a failed scheduled run again later
(a locked database, an SMTP hiccup): every attempt is its own JobRun, so the failure stays
on record next to the success that followed. A job that fails for good keeps its error.
Without them (the default) a failed run waits for the next schedule, as before.
"""
from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

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
    retries: int = 0
    retry_delay: int = 0


_jobs: dict[str, Job] = {}


class JobRunFailed(Exception):
    """Raised by a failed scheduled run that has retries left, so that Huey runs it again
    after ``retry_delay`` (the failure itself is already recorded in JobRun)."""


def periodic_job(name: str, *, schedule: Callable, schedule_label: str, label: str = "", description: str = "", addon: str = "",
                 retries: int = 0, retry_delay: int = 0):
    def decorator(func):
        job = Job(name=name, func=func, schedule=schedule, schedule_label=schedule_label,
                  label=label or name, description=description or (func.__doc__ or "").strip(), addon=addon,
                  retries=retries, retry_delay=retry_delay)

        def scheduled_run(task=None):
            # Only the first attempt claims the tick; a retry (fewer retries left) was claimed already.
            first_attempt = task is None or task.retries == retries
            if first_attempt and not claim_tick(name):
                return
            run = run_job(name)
            if run is not None and run.success is False and task is not None and task.retries:
                raise JobRunFailed(f"Job {name} failed; {task.retries} retries left, next in {task.retry_delay} s")

        scheduled_run.__name__ = f"job_{name}"
        job.periodic_task = db_periodic_task(schedule, name=f"ohms.job.{name}", retries=retries, retry_delay=retry_delay,
                                             context=True)(scheduled_run)
        _jobs[name] = job
        return func

    return decorator


def claim_tick(name: str, now=None) -> bool:
    """True for the first consumer that claims this job's scheduled minute, False after.

    Every Huey consumer runs its own scheduler, so with several consumers (scale-out, SPEC
    DECISIONS 16) each one enqueues every periodic job at every tick. The job lock in
    :func:`run_job` only stops two copies overlapping; a job that ends quickly would still
    run once per consumer. The claim is a set-if-absent key in the queue's own storage
    (Redis or the SqliteHuey file: shared by all consumers). Key TTLs need Redis 7.4+, so
    instead the winner deletes the key of two ticks ago: a few keys per job at most.
    """
    minute = (now or timezone.now()).replace(second=0, microsecond=0)
    if not HUEY.put_if_empty(f"ohms-job-tick:{name}:{minute:%Y%m%d%H%M}", "1"):
        logger.info("Job %s already ran for the tick %s; skipped", name, minute)
        return False
    stale = minute - timedelta(minutes=2)
    HUEY.get(f"ohms-job-tick:{name}:{stale:%Y%m%d%H%M}")  # get() without peek removes the key
    return True


def jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda j: j.name)


def get_job(name: str) -> Job:
    return _jobs[name]


def release_stale_lock(name: str, lock: str, organization=None) -> bool:
    """Free a job lock whose holder died (SIGKILL, power loss) and close its run as failed.

    Huey's task locks never expire on SQLite (and only with Redis >= 7.4 could they), so a
    consumer killed inside a job would otherwise skip that job forever, the event sweeper
    included. A lock counts as stale when the job's last run started more than
    ``OHMS_JOB_STALE_LOCK_SECONDS`` ago (default one hour, far above any job's duration)
    and never finished; the conditional update makes one consumer the one that frees it."""
    from django.conf import settings

    from .models import JobRun

    cutoff = timezone.now() - timedelta(seconds=getattr(settings, "OHMS_JOB_STALE_LOCK_SECONDS", 3600))
    stale = (JobRun.objects.filter(name=name, organization=organization, finished_at__isnull=True,
                                   started_at__lt=cutoff).order_by("-started_at").first())
    if stale is None:
        return False
    freed = JobRun.objects.filter(pk=stale.pk, finished_at__isnull=True).update(
        finished_at=timezone.now(), success=False,
        error="Interrupted: the job consumer stopped before this run finished; its lock was released.")
    if not freed:
        return False
    HUEY.lock_task(lock).clear()
    logger.warning("Job %s: released the lock left by run %s (started %s, never finished)", name, stale.pk,
                   stale.started_at)
    return True


def run_job(name: str, *, trigger: str = "schedule", user_id=None, organization=None, _retried=False):
    """Run a job now in this process, recording a JobRun. Returns the run, or None when
    another copy holds the lock. With ``organization`` the job acts for that tenant (its
    reads go through ``scoping.scope_queryset``) and the run is shown to that
    organization's admins; without, it is a system job only operators see. A lock left by
    a dead consumer is released once (``release_stale_lock``) and the run goes ahead."""
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
        if not _retried and release_stale_lock(name, lock, organization):
            return run_job(name, trigger=trigger, user_id=user_id, organization=organization, _retried=True)
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


__all__ = ["JobRunFailed", "crontab", "periodic_job", "jobs", "get_job", "run_job", "run_job_task", "job_run_now"]
