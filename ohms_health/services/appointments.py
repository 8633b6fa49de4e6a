"""Appointments and billing (SPEC 3.6): create / update with the double-booking rule,
recall scheduling, transactions.

The double-booking rule lives here so the API, the admin form and the recall list's bulk
"Schedule" share it: a clinician (``provider``) cannot have two appointments whose times
overlap, cancelled ones aside (their slot is free again). Slots that only touch (one ends
at 10:00, the next starts at 10:00) do not overlap. The clinician's user row is locked
for the check and the write, so two concurrent bookings of the same slot cannot both pass
on PostgreSQL (SQLite serialises writers anyway).
"""
from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from ohms_core.services.records import record_create, record_update

from ..models import Appointment, AppointmentStatus, Transaction

#: Statuses that free the clinician's slot.
FREE_STATUSES = (AppointmentStatus.CANCELLED,)


def double_booking(*, provider_id, start, end, exclude_pk=None):
    """The first appointment of ``provider_id`` overlapping [start, end), or None."""
    clashes = (Appointment.objects.filter(provider_id=provider_id, start__lt=end, end__gt=start)
               .exclude(status__in=FREE_STATUSES))
    if exclude_pk is not None:
        clashes = clashes.exclude(pk=exclude_pk)
    return clashes.order_by("start").first()


def _refuse_double_booking(*, provider, start, end, exclude_pk=None):
    if provider is None or start is None or end is None or end <= start:
        return  # the model's own validation reports missing or inverted times
    get_user_model().objects.select_for_update().filter(pk=provider.pk).first()
    clash = double_booking(provider_id=provider.pk, start=start, end=end, exclude_pk=exclude_pk)
    if clash is not None:
        local = timezone.localtime(clash.start)
        raise ValidationError({"provider": [
            _("This clinician already has an appointment from %(start)s to %(end)s.")
            % {"start": date_format(local, "SHORT_DATETIME_FORMAT"),
               "end": time_format(timezone.localtime(clash.end), "TIME_FORMAT")}]},
            code="double_booked")


def appointment_create(*, organization, data: dict, user=None) -> Appointment:
    with transaction.atomic():
        _refuse_double_booking(provider=data.get("provider"), start=data.get("start"), end=data.get("end"))
        return record_create(model=Appointment, organization=organization, data=data, user=user)


def appointment_update(*, instance: Appointment, data: dict, user=None, expected_version=None) -> Appointment:
    """Moving an appointment (times or clinician) re-checks the double booking; a finished
    one (completed, cancelled, no show) is not re-checked, since it holds no future slot."""
    with transaction.atomic():
        if instance.status not in (AppointmentStatus.COMPLETED, AppointmentStatus.CANCELLED,
                                   AppointmentStatus.NO_SHOW):
            _refuse_double_booking(provider=data.get("provider", instance.provider),
                                   start=data.get("start", instance.start), end=data.get("end", instance.end),
                                   exclude_pk=instance.pk)
        return record_update(instance=instance, data=data, user=user, expected_version=expected_version)


def transaction_create(*, organization, data: dict, user=None) -> Transaction:
    """A billing line; the worker defaults to the appointment's patient."""
    data = dict(data)
    appointment = data.get("appointment")
    if appointment is not None and data.get("worker") is None:
        data["worker"] = appointment.worker
    return record_create(model=Transaction, organization=organization, data=data, user=user)


REMINDER_HOURS = 24
REMINDER_EVENT = "health.appointment.reminder"


def appointment_reminders(*, now=None, ahead_hours: int = REMINDER_HOURS) -> int:
    """Remind of appointments (scheduled or confirmed) starting within ``ahead_hours``:
    one ``health.appointment.reminder`` event each (notification rules and webhooks deliver
    it), and ``reminder_sent_at`` stamped in the same transaction, so a second run (the job
    is hourly) never reminds twice. Returns how many were reminded."""
    from ohms_core import events

    now = now or timezone.now()
    due = (Appointment.objects.filter(status__in=(AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED),
                                      reminder_sent_at__isnull=True, start__gt=now,
                                      start__lte=now + timedelta(hours=ahead_hours))
           .select_related("worker", "organization").order_by("start"))
    count = 0
    for appointment in due:
        with transaction.atomic():
            locked = Appointment.objects.select_for_update().filter(pk=appointment.pk,
                                                                    reminder_sent_at__isnull=True).first()
            if locked is None:
                continue
            locked = record_update(instance=locked, data={"reminder_sent_at": now})
            events.emit(REMINDER_EVENT, locked, organization=appointment.organization, data={
                "start": locked.start.isoformat(), "worker": appointment.worker.employee_number,
                "provider_id": locked.provider_id})
            count += 1
    return count
