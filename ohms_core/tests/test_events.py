"""The event bus: a transactional outbox, dispatched once per subscriber, swept when lost."""
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from ohms_core import events, jobs
from ohms_core.context import acting_as
from ohms_core.models import Event, EventDelivery, JobRun, Organization

pytestmark = pytest.mark.django_db
TYPE = "test.thing.happened"


@pytest.fixture
def counter():
    """A subscriber counting its calls (event ids), removed afterwards."""
    calls = []
    events.subscribe("test-counter", lambda event: calls.append(event.pk))
    yield calls
    events._subscribers.pop("test-counter", None)


@pytest.fixture
def flaky():
    """A subscriber that writes a row then fails until ``state["broken"]`` is False."""
    state = {"broken": True, "calls": 0}

    def handler(event):
        state["calls"] += 1
        Organization.objects.create(code=f"FLAKY{state['calls']}", name="Written by a failing subscriber")
        if state["broken"]:
            raise RuntimeError("smtp relay unreachable")

    events.subscribe("test-flaky", handler)
    yield state
    events._subscribers.pop("test-flaky", None)


def _names():
    return sorted(s.name for s in events.subscribers() if s.wants(TYPE))


def _emit(org, **kw):
    with acting_as(organization=org):
        return events.emit(TYPE, org, data={"n": 1}, **kw)


def test_rolled_back_event_is_never_dispatched(org_a, counter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                event = _emit(org_a)
                assert Event.objects.filter(pk=event.pk).exists()
                raise RuntimeError("the change fails after the event was written")
    assert callbacks == []
    assert Event.objects.count() == 0
    assert EventDelivery.objects.count() == 0
    assert counter == []


def test_commit_dispatches_to_every_subscriber(org_a, counter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event = _emit(org_a)
        assert EventDelivery.objects.count() == 0  # nothing before commit
    assert len(callbacks) == 1
    assert counter == [event.pk]
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert event.dispatch_attempts == 1 and event.last_error == ""
    assert (event.type, event.organization, event.object_id, event.data) == (TYPE, org_a, str(org_a.pk), {"n": 1})
    deliveries = EventDelivery.objects.filter(event=event)
    assert sorted(d.subscriber for d in deliveries) == _names()
    assert "test-counter" in _names() and "notifications" in _names()
    assert {(d.status, d.attempts) for d in deliveries} == {("delivered", 1)}
    assert all(d.delivered_at is not None for d in deliveries)


def test_lost_dispatch_task_is_recovered_by_sweep(org_a, counter, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(events, "enqueue_dispatch", lambda event_id: None)  # the task never reaches a worker
    with django_capture_on_commit_callbacks(execute=True):
        event = _emit(org_a)
    event.refresh_from_db()
    assert event.dispatched_at is None and counter == []
    assert EventDelivery.objects.count() == 0

    assert events.sweep() == 0  # younger than the grace period: left alone
    assert counter == []
    assert events.sweep(grace=timedelta(0)) == 1
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert counter == [event.pk]
    assert EventDelivery.objects.filter(event=event, status="delivered").count() == len(_names())
    assert events.sweep(grace=timedelta(0)) == 0  # nothing left
    assert counter == [event.pk]


def test_unreachable_queue_does_not_break_emit(org_a, counter, monkeypatch, django_capture_on_commit_callbacks):
    from ohms_core import tasks

    def unreachable(event_id):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks, "dispatch_event_task", unreachable)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event = _emit(org_a)
    assert len(callbacks) == 1  # the callback ran and swallowed the error
    stored = Event.objects.get(pk=event.pk)
    assert stored.dispatched_at is None and stored.type == TYPE
    assert counter == []


def test_events_sweep_job_dispatches_and_records_run(org_a, counter, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(events, "enqueue_dispatch", lambda event_id: None)
    with django_capture_on_commit_callbacks(execute=True):
        old = _emit(org_a)
        young = _emit(org_a)
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=5))

    run = jobs.run_job("events_sweep")
    assert run is not None
    run.refresh_from_db()
    assert (run.name, run.success, run.items_processed, run.trigger) == ("events_sweep", True, 1, "schedule")
    assert JobRun.objects.filter(name="events_sweep").count() == 1
    assert counter == [old.pk]
    assert Event.objects.get(pk=old.pk).dispatched_at is not None
    assert Event.objects.get(pk=young.pk).dispatched_at is None  # within the grace period


def test_dispatching_twice_delivers_once(org_a, counter):
    event = _emit(org_a)
    first = events.dispatch(event.pk)
    assert first == {name: "delivered" for name in _names()}
    second = events.dispatch(event.pk)
    assert second == {name: "skipped" for name in _names()}
    assert counter == [event.pk]
    assert EventDelivery.objects.filter(event=event).count() == len(_names())
    assert EventDelivery.objects.filter(event=event, subscriber="test-counter").get().attempts == 1
    assert events.dispatch("00000000-0000-0000-0000-000000000000") == {}


def test_failing_subscriber_is_isolated_and_retried_by_sweep(org_a, counter, flaky):
    event = _emit(org_a)
    results = events.dispatch(event.pk)
    assert results["test-flaky"] == "failed"
    assert results["test-counter"] == "delivered" and results["notifications"] == "delivered"

    failed = EventDelivery.objects.get(event=event, subscriber="test-flaky")
    assert failed.status == "failed" and failed.attempts == 1 and failed.delivered_at is None
    assert "RuntimeError: smtp relay unreachable" in failed.error
    event.refresh_from_db()
    assert event.dispatched_at is None
    assert "test-flaky" in event.last_error and event.dispatch_attempts == 1
    # The failing handler's own write was rolled back with its savepoint.
    assert not Organization.objects.filter(code="FLAKY1").exists()
    assert counter == [event.pk]

    flaky["broken"] = False
    assert events.sweep(grace=timedelta(0)) == 1
    delivered = EventDelivery.objects.get(event=event, subscriber="test-flaky")
    assert delivered.status == "delivered" and delivered.attempts == 2 and delivered.error == ""
    assert Organization.objects.filter(code="FLAKY2").exists()
    event.refresh_from_db()
    assert event.dispatched_at is not None and event.last_error == "" and event.dispatch_attempts == 2
    assert counter == [event.pk]  # the subscriber that had succeeded is not called again


def test_sweep_gives_up_after_max_attempts(org_a, flaky):
    event = _emit(org_a)
    Event.objects.filter(pk=event.pk).update(dispatch_attempts=3)
    assert events.sweep(grace=timedelta(0), max_attempts=3) == 0
    assert flaky["calls"] == 0
