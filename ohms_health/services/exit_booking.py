"""Exit examinations book the clinician's time (issue 8, joining SPEC 3.4 and 3.6).

Why through the appointment service: scheduling an exit exam names a clinician and a time,
which is exactly an appointment; booking it with ``appointment_create`` /
``appointment_update`` applies the same double-booking rule as the appointments screen and
the recall list, so a clinician cannot be given an exit exam over another patient. The
booking runs inside the exit exam's own transaction (the schedule transition or the edit),
so a refused booking leaves neither the exam's new state or time nor an appointment.

* schedule (pending -> exam_scheduled): a ``medical_exam`` / ``exit`` appointment from
  ``scheduled_exam_at`` for ``EXIT_EXAM_MINUTES``, provider = the clinician;
* editing the time or the clinician of a scheduled exam moves that appointment (or books a
  new one when it was cancelled or finished meanwhile);
* completing the exam checks the appointment in (if needed) and completes it.
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ohms_core import workflows
from ohms_core.exceptions import BusinessRuleError

from ..models import AppointmentStatus, AppointmentType, ExamType
from ..models.exit import ExitExamStatus
from .appointments import appointment_create, appointment_update

#: Length of the clinician's slot for an exit examination, in minutes
#: (setting ``OHMS_HEALTH_EXIT_EXAM_MINUTES`` overrides it).
EXIT_EXAM_MINUTES = 45
#: Appointment states that still hold the slot and can be moved.
MOVABLE_STATUSES = (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED)
#: Appointment states still to be closed when the exam is completed.
OPEN_STATUSES = (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED, AppointmentStatus.CHECKED_IN)


def exit_exam_minutes() -> int:
    return int(getattr(settings, "OHMS_HEALTH_EXIT_EXAM_MINUTES", EXIT_EXAM_MINUTES))


def _clinician_errors(exc: ValidationError) -> ValidationError:
    """The appointment's ``provider`` error is the exit exam's ``clinician`` (the field the
    user chose); the message (who is booked when) is kept."""
    if not hasattr(exc, "error_dict"):
        return exc
    errors = exc.message_dict
    if "provider" in errors:
        errors["clinician"] = errors.pop("provider")
    for name in ("start", "end"):
        if name in errors:
            errors.setdefault("scheduled_exam_at", []).extend(errors.pop(name))
    return ValidationError(errors, code="double_booked")


def book_exit_exam(exam, user) -> None:
    """Book or move the clinician's appointment of a scheduled exam (in memory on ``exam``:
    the caller saves it). Raises ``ValidationError`` on ``clinician`` when the clinician is
    already booked then. Does nothing while the time or the clinician is missing."""
    if exam.scheduled_exam_at is None or exam.clinician_id is None:
        return
    start = exam.scheduled_exam_at
    data = {"start": start, "end": start + timedelta(minutes=exit_exam_minutes()), "provider": exam.clinician}
    appointment = exam.appointment
    try:
        if appointment is not None and appointment.status in MOVABLE_STATUSES and not appointment.is_deleted:
            if (appointment.start, appointment.end, appointment.provider_id) != (data["start"], data["end"],
                                                                                 exam.clinician_id):
                exam.appointment = appointment_update(instance=appointment, data=data, user=user)
            return
        exam.appointment = appointment_create(organization=exam.organization, user=user, data={
            **data, "worker": exam.worker, "appointment_type": AppointmentType.MEDICAL_EXAM,
            "exam_type": ExamType.EXIT})
    except ValidationError as exc:
        raise _clinician_errors(exc) from None


def book_on_schedule(exam, user) -> None:
    """The schedule transition's booking. The admin's transition button reports rule errors
    (``BusinessRuleError``) and the API turns them into a 400 with the same field errors."""
    try:
        book_exit_exam(exam, user)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"clinician": exc.messages}
        raise BusinessRuleError(_("The clinician is not free at that time."), code="double_booked",
                                errors=errors) from None


def move_on_edit(exam, changed, user) -> None:
    """An edit of a scheduled exam's time or clinician moves its appointment. Neither can be
    emptied once scheduled (the booked slot would no longer match the exam)."""
    if exam.status == ExitExamStatus.EXAM_SCHEDULED and {"scheduled_exam_at", "clinician"} & set(changed):
        missing = {name: [_("A scheduled examination keeps its date and clinician; change them instead.")]
                   for name, value in (("scheduled_exam_at", exam.scheduled_exam_at),
                                       ("clinician", exam.clinician_id)) if value is None}
        if missing:
            raise ValidationError(missing)
        book_exit_exam(exam, user)


def close_on_complete(exam, user) -> None:
    """Completing the exam completes its appointment when it is still open (checked in
    first when the patient was not): the doctor saw the worker, the agenda says so."""
    appointment = exam.appointment
    if appointment is None or appointment.status not in OPEN_STATUSES:
        return
    if appointment.status != AppointmentStatus.CHECKED_IN:
        appointment = workflows.transition_run(instance=appointment, name="check_in", user=user,
                                               check_permission=False, comment=_("Exit examination completed."))
    exam.appointment = workflows.transition_run(instance=appointment, name="complete", user=user,
                                                check_permission=False, comment=_("Exit examination completed."))
