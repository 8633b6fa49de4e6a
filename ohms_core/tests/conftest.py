"""Fixtures shared by the core tests."""
import pytest

from ohms_core import jobs


@pytest.fixture
def temporary_job():
    """Register throw-away jobs; unregister them (and their Huey periodic tasks) afterwards."""
    names = []

    def register(name, func, **kw):
        kw.setdefault("schedule", jobs.crontab(minute="0", hour="3"))
        kw.setdefault("schedule_label", "daily at 03:00")
        jobs.periodic_job(name, **kw)(func)
        names.append(name)
        return jobs.get_job(name)

    yield register
    for name in names:
        job = jobs._jobs.pop(name, None)
        if job is not None:
            job.periodic_task.unregister()
