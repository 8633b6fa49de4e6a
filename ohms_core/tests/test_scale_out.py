"""Two Huey consumers on Redis, one PostgreSQL: each event delivered once, each periodic job
run once per tick (SPEC DECISIONS 16).

Real consumer processes (``manage.py run_huey``) work on this test's PostgreSQL database and
a Redis database of their own. Every event's dispatch task is enqueued twice, so both
consumers race for the same events; the outbox ledger (EventDelivery, row-locked) must let
each subscriber run once per event. Both consumers' schedulers fire the every-minute sweeper
job; the tick claim (ohms_core.jobs.claim_tick) must let it run once per minute.
"""
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from ohms_core import events, testing
from ohms_core.models import DeliveryStatus, Event, EventDelivery, JobRun

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")



def test_claim_tick_lets_one_run_per_job_and_minute():
    from datetime import UTC, datetime, timedelta

    from ohms_core.jobs import claim_tick

    tick = datetime(2026, 11, 29, 6, 0, 5, tzinfo=UTC)
    assert claim_tick("scale_test_job", now=tick) is True
    assert claim_tick("scale_test_job", now=tick + timedelta(seconds=40)) is False  # other consumer, same minute
    assert claim_tick("other_job", now=tick) is True  # per job
    assert claim_tick("scale_test_job", now=tick + timedelta(minutes=1)) is True  # next tick


def _own_redis_db(url: str, index: int = 13) -> str:
    """The same Redis server, another database: this test flushes it."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{index}", "", ""))


def _environment(tmp_path, redis_url: str) -> dict:
    s = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "OHMS_DB_POOL")}
    env.update(
        DJANGO_SETTINGS_MODULE="ohms_site.settings.dev",
        DATABASE_URL=f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}",
        REDIS_URL=redis_url, OHMS_VAR_DIR=str(tmp_path), OHMS_LOG_LEVEL="WARNING",
    )
    return env


ENQUEUE_TWICE = (
    "from ohms_core.models import Event; from ohms_core.tasks import dispatch_event_task\n"
    "ids = [str(pk) for pk in Event.objects.filter(type=TYPE).values_list('pk', flat=True)]\n"
    "[dispatch_event_task(i) for i in ids]; [dispatch_event_task(i) for i in reversed(ids)]\n"
)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql" or not REDIS_URL, reason="needs PostgreSQL and REDIS_URL (CI runs it there)")
def test_two_consumers_deliver_100_events_once_and_run_a_periodic_job_once_per_tick(tmp_path, monkeypatch):
    import redis

    redis_url = _own_redis_db(REDIS_URL)
    redis.Redis.from_url(redis_url).flushdb()
    wanted = [s for s in events.subscribers()]
    assert wanted, "no event subscriber registered"
    event_type = next((s.event_types[0] for s in wanted if s.event_types), "core.scale_test")
    subscribers = [s.name for s in wanted if s.wants(event_type)]
    assert subscribers

    org = testing.make_organization("SCALE", "Scale-out SARL")
    monkeypatch.setattr(events, "enqueue_dispatch", lambda event_id: None)  # the consumers will
    for i in range(100):
        events.emit(event_type, data={"n": i}, organization=org)
    assert Event.objects.filter(type=event_type, dispatched_at__isnull=True).count() == 100

    env = _environment(tmp_path, redis_url)
    enqueue = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", f"TYPE = {event_type!r}\n" + ENQUEUE_TWICE],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert enqueue.returncode == 0, enqueue.stderr[-2000:]

    logs = [open(tmp_path / f"consumer-{n}.log", "w") for n in range(2)]  # noqa: SIM115
    consumers = [subprocess.Popen([sys.executable, "manage.py", "run_huey", "--workers", "4", "--worker-type", "thread"],
                                  env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT) for log in logs]
    started = time.monotonic()
    try:
        deadline = started + 240
        while time.monotonic() < deadline:
            if Event.objects.filter(type=event_type, dispatched_at__isnull=True).count() == 0:
                break
            assert all(c.poll() is None for c in consumers), "a consumer died"
            time.sleep(1)
        # Keep both consumers up across at least one scheduler tick (each has its own).
        while time.monotonic() < started + 75 or not JobRun.objects.filter(name="events_sweep").exists():
            assert time.monotonic() < started + 240, "no periodic run seen"
            time.sleep(2)
    finally:
        for consumer in consumers:
            consumer.terminate()
        for consumer in consumers:
            try:
                consumer.wait(timeout=60)
            except subprocess.TimeoutExpired:
                consumer.kill()
        for log in logs:
            log.close()

    output = "".join((tmp_path / f"consumer-{n}.log").read_text() for n in range(2))
    assert Event.objects.filter(type=event_type, dispatched_at__isnull=True).count() == 0, output[-3000:]
    deliveries = EventDelivery.objects.filter(event__type=event_type)
    assert deliveries.count() == 100 * len(subscribers)
    assert set(deliveries.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    # attempts counts handler runs: 1 everywhere although every event was dispatched twice.
    assert set(deliveries.values_list("attempts", flat=True)) == {1}
    # Both consumers did take tasks (the race was real), and both schedulers ran.
    assert Counter(Event.objects.filter(type=event_type).values_list("dispatch_attempts", flat=True)).keys() <= {1, 2}

    runs = list(JobRun.objects.filter(name="events_sweep").values_list("started_at", flat=True))
    per_minute = Counter(t.replace(second=0, microsecond=0) for t in runs)
    assert per_minute and max(per_minute.values()) == 1, per_minute
