"""Core Huey tasks and periodic jobs (thin: each calls a service)."""
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from huey.contrib.djhuey import db_periodic_task, db_task

from . import events
from .jobs import crontab, periodic_job


@db_task(retries=3, retry_delay=10)
def dispatch_event_task(event_id: str):
    events.dispatch(event_id)


@periodic_job("events_sweep", schedule=crontab(minute="*"), schedule_label=_("every minute"), addon="ohms_core",
              label=_("Event sweeper"))
def sweep_events():
    """Dispatch events whose dispatch task was lost (worker killed, queue unreachable)."""
    return events.sweep()


@periodic_job("documents_retention", schedule=crontab(minute="15", hour="1"), schedule_label=_("daily at 01:15"),
              addon="ohms_core", label=_("Document retention"))
def enforce_document_retention():
    """Soft delete documents past their retention date."""
    from .services.documents import documents_enforce_retention

    return documents_enforce_retention()


@periodic_job("notifications_cleanup", schedule=crontab(minute="30", hour="1"), schedule_label=_("daily at 01:30"),
              addon="ohms_core", label=_("Notification cleanup"))
def cleanup_old_notifications():
    """Delete read notifications older than OHMS_NOTIFICATION_RETENTION_DAYS."""
    from .models import Notification

    cutoff = timezone.now() - timedelta(days=settings.OHMS_NOTIFICATION_RETENTION_DAYS)
    deleted, _ = Notification.objects.filter(is_read=True, created_at__lt=cutoff).delete()
    return deleted


@periodic_job("sync_logs_cleanup", schedule=crontab(minute="45", hour="1"), schedule_label=_("daily at 01:45"),
              addon="ohms_core", label=_("Sync run log cleanup"))
def cleanup_sync_run_logs():
    """Delete offline-sync run logs older than 30 days (SPEC 5.3 "Cleanup job keeps 30 days")."""
    from .sync import sync_logs_cleanup

    return sync_logs_cleanup()


@db_periodic_task(crontab(minute="*"), name="ohms.consumer_heartbeat")
def consumer_heartbeat():
    """Tell the status report a consumer runs (not a JobRun: one row a minute is noise)."""
    from .api.health import consumer_heartbeat_write

    consumer_heartbeat_write()


@periodic_job("idempotency_purge", schedule=crontab(minute="45"), schedule_label=_("hourly at :45"),
              addon="ohms_core", label=_("Idempotency key purge"))
def purge_idempotency_records():
    """Delete Idempotency-Key records older than OHMS_IDEMPOTENCY_HOURS (72 h)."""
    from .idempotency import idempotency_purge_expired

    return idempotency_purge_expired()
