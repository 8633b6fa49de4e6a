"""PTW events besides the transitions (SPEC 2.8): closeout required / completed, isolation
pending, expiring soon. Emitted on the core event bus; the organization's notification rules
(services.onboarding) pick the recipients, in-app and by e-mail per preference.

The periodic reminders are idempotent with a cooldown: a permit that had the same event less
than ``PTW_REMINDER_COOLDOWN_HOURS`` ago is skipped (one query per job reads those events).
"""
from __future__ import annotations

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ohms_core import events
from ohms_core.models import Event

from .. import conf
from ..models import Permit, PermitCloseout, PermitIsolationPoint
from ..selectors import closeout_template_for
from ..states import IsolationStatus, PermitStatus

CLOSEOUT_REQUIRED = "ptw.permit.closeout_required"
CLOSEOUT_COMPLETED = "ptw.permit.closeout_completed"
ISOLATION_PENDING = "ptw.permit.isolation_pending"
EXPIRING_SOON = "ptw.permit.expiring_soon"


def _emit(event_type: str, permit, *, user=None, **data) -> None:
    events.emit(event_type, permit, actor=user, organization=permit.organization,
                data={"permit_number": permit.permit_number, **data})


def permit_closeout_required_emit(*, permit, user=None) -> bool:
    """On activation: the issuer, area in-charge and creator learn a closeout is due (only when a
    closeout template applies to the permit)."""
    if closeout_template_for(permit) is None:
        return False
    _emit(CLOSEOUT_REQUIRED, permit, user=user)
    return True


def permit_closeout_completed_emit(*, permit, user=None) -> None:
    _emit(CLOSEOUT_COMPLETED, permit, user=user)


def permit_isolation_pending_emit(*, permit, user=None, items=()) -> bool:
    """An approve / activate attempt blocked by the isolation gate tells the isolation roles
    (once within the reminder cooldown). Called after the refused transition rolled back."""
    if _recently_notified(ISOLATION_PENDING, [permit.pk], now=timezone.now()):
        return False
    with transaction.atomic():
        _emit(ISOLATION_PENDING, permit, user=user, blocked=True, items=[str(item) for item in items][:50])
    return True


def _recently_notified(event_type: str, permit_ids, *, now) -> set[str]:
    since = now - timedelta(hours=conf.ptw_setting("PTW_REMINDER_COOLDOWN_HOURS"))
    return set(Event.objects.filter(type=event_type, content_type=ContentType.objects.get_for_model(Permit),
                                    object_id__in=[str(pk) for pk in permit_ids], created_at__gte=since)
               .values_list("object_id", flat=True))


def _emit_once(event_type: str, permits: list, *, now, **data) -> int:
    done = _recently_notified(event_type, [p.pk for p in permits], now=now)
    count = 0
    for permit in permits:
        if str(permit.pk) in done:
            continue
        with transaction.atomic():
            _emit(event_type, permit, **data)
        count += 1
    return count


def permits_remind_closeout_and_isolation(*, now=None) -> int:
    """Active permits ending within the expiring-soon window whose closeout is not completed get a
    closeout reminder; approved permits whose required isolation points stay unverified longer
    than ``PTW_ISOLATION_PENDING_HOURS`` get an isolation-pending reminder."""
    now = now or timezone.now()
    soon = now + timedelta(hours=conf.expiring_soon_hours())
    completed = PermitCloseout.objects.filter(permit=OuterRef("pk"), completed=True)
    closeout_due = list(Permit.objects.filter(status=PermitStatus.ACTIVE, planned_end_time__lte=soon)
                        .exclude(Exists(completed)).select_related("organization", "permit_type", "project"))
    closeout_due = [p for p in closeout_due if closeout_template_for(p) is not None]
    stale = now - timedelta(hours=conf.ptw_setting("PTW_ISOLATION_PENDING_HOURS"))
    waiting = PermitIsolationPoint.objects.filter(
        permit=OuterRef("pk"), required=True, is_deleted=False, created_at__lte=stale,
        status__in=(IsolationStatus.ASSIGNED, IsolationStatus.ISOLATED))
    isolation_due = list(Permit.objects.filter(status__in=(PermitStatus.PENDING_APPROVAL, PermitStatus.APPROVED))
                         .filter(Exists(waiting)).select_related("organization"))
    return (_emit_once(CLOSEOUT_REQUIRED, closeout_due, now=now, reminder=True)
            + _emit_once(ISOLATION_PENDING, isolation_due, now=now, reminder=True))


def permits_notify_expiring_soon(*, now=None) -> int:
    """Approved or active permits whose planned end falls within ``PTW_EXPIRING_SOON_HOURS``."""
    now = now or timezone.now()
    soon = now + timedelta(hours=conf.expiring_soon_hours())
    permits = list(Permit.objects.filter(status__in=(PermitStatus.APPROVED, PermitStatus.ACTIVE),
                                         planned_end_time__gt=now, planned_end_time__lte=soon)
                   .select_related("organization"))
    return _emit_once(EXPIRING_SOON, permits, now=now)
