"""The event bus: a transactional outbox feeding notifications, email and webhooks.

``emit()`` writes an Event row in the caller's transaction and, once that transaction
commits, enqueues a Huey task to dispatch it. A rolled-back change leaves no event. Each
(event, subscriber) pair gets an EventDelivery row, so dispatching twice delivers once.
If the worker dies or the queue is unreachable, the periodic sweeper dispatches events
left undispatched after a grace period.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventType:
    name: str
    label: str
    addon: str = ""
    title: str = ""  # default notification title (translatable template)
    message: str = ""
    example: dict | None = field(default=None, compare=False, hash=False)  # example ``data`` (catalogue)


@dataclass(frozen=True)
class Subscriber:
    name: str
    handler: Callable
    event_types: tuple[str, ...] | None = None  # None: every event

    def wants(self, event_type: str) -> bool:
        return self.event_types is None or event_type in self.event_types


_event_types: dict[str, EventType] = {}
_subscribers: dict[str, Subscriber] = {}


def register_event_type(name: str, label, *, addon: str = "", title: str = "", message: str = "",
                        example: dict | None = None) -> EventType:
    event_type = EventType(name=name, label=label, addon=addon, title=title, message=message, example=example)
    _event_types[name] = event_type
    return event_type


def event_types() -> list[EventType]:
    return sorted(_event_types.values(), key=lambda e: e.name)


def event_type(name: str) -> EventType | None:
    return _event_types.get(name)


def subscribe(name: str, handler: Callable, event_types: tuple[str, ...] | None = None) -> None:
    _subscribers[name] = Subscriber(name=name, handler=handler, event_types=event_types)


def subscribers() -> list[Subscriber]:
    return list(_subscribers.values())


def emit(type: str, obj=None, actor=None, data: dict | None = None, organization=None):
    """Record an event in the current transaction; dispatch after commit."""
    from .context import get_context
    from .models import Event

    if actor is None:
        actor = get_context().user
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if organization is None and obj is not None:
        organization = getattr(obj, "organization", None)
    event = Event.objects.create(
        organization=organization or get_context().organization,
        type=type,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        actor=actor,
        data=data or {},
    )
    transaction.on_commit(lambda: enqueue_dispatch(event.pk))
    return event


def enqueue_dispatch(event_id) -> None:
    """Hand the event to the job queue; if that fails the sweeper will find it."""
    from .tasks import dispatch_event_task

    try:
        dispatch_event_task(str(event_id))
    except Exception:  # queue down: the outbox row is safe, the sweeper retries
        logger.exception("Could not enqueue dispatch of event %s; the sweeper will retry", event_id)


def dispatch(event_id) -> dict[str, str]:
    """Deliver an event to every interested subscriber, at most once each."""
    from .context import acting_as
    from .models import DeliveryStatus, Event, EventDelivery

    event = Event.objects.select_related("organization", "actor", "content_type").filter(pk=event_id).first()
    if event is None:
        return {}
    results = {}
    all_done = True
    with acting_as(user=event.actor, organization=event.organization, reason=f"event {event.type}"):
        for subscriber in subscribers():
            if not subscriber.wants(event.type):
                continue
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        EventDelivery.objects.get_or_create(event=event, subscriber=subscriber.name)
                except IntegrityError:
                    pass  # a concurrent dispatcher created it
                delivery = EventDelivery.objects.select_for_update().get(event=event, subscriber=subscriber.name)
                if delivery.status == DeliveryStatus.DELIVERED:
                    results[subscriber.name] = "skipped"
                    continue
                delivery.attempts += 1
                try:
                    with transaction.atomic():
                        subscriber.handler(event)
                except Exception as exc:
                    logger.exception("Subscriber %s failed on event %s", subscriber.name, event.pk)
                    delivery.status = DeliveryStatus.FAILED
                    delivery.error = f"{exc.__class__.__name__}: {exc}"[:2000]
                    all_done = False
                else:
                    delivery.status = DeliveryStatus.DELIVERED
                    delivery.delivered_at = timezone.now()
                    delivery.error = ""
                delivery.save()
                results[subscriber.name] = delivery.status
    updates = {"dispatch_attempts": event.dispatch_attempts + 1}
    if all_done:
        updates["dispatched_at"] = timezone.now()
        updates["last_error"] = ""
    else:
        updates["last_error"] = "; ".join(f"{k}: {v}" for k, v in results.items() if v == DeliveryStatus.FAILED)
    Event.objects.filter(pk=event.pk).update(**updates)
    return results


def sweep(*, grace: timedelta | None = None, max_attempts: int | None = None, limit: int = 500) -> int:
    """Dispatch events still undispatched after ``grace`` (lost tasks, failed subscribers)."""
    from .models import Event

    grace = grace if grace is not None else timedelta(seconds=settings.OHMS_EVENT_SWEEP_GRACE_SECONDS)
    max_attempts = max_attempts or settings.OHMS_EVENT_MAX_ATTEMPTS
    cutoff = timezone.now() - grace
    pending = list(
        Event.objects.filter(dispatched_at__isnull=True, created_at__lte=cutoff, dispatch_attempts__lt=max_attempts)
        .order_by("created_at").values_list("pk", flat=True)[:limit]
    )
    for event_id in pending:
        dispatch(event_id)
    return len(pending)
