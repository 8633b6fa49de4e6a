"""The doctor's recall list (issue 8, "doctor's screens"): who must be examined soon.

A worker is on the list for each exam type that is due:

* **periodic** (any exam type with a recall date): the *latest* exam of that type has a
  ``next_due_date`` on or before today + ``within_days`` (overdue when before today);
* **exposure-driven**: an exposure measured in the last 12 months calls for a test and no
  exam of that type was done in the last 12 months: noise -> audiometry; dust, silica or
  cobalt -> spirometry (agents matched on the exposure type, English and French words;
  ``EXPOSURE_EXAMS``). An exposure-driven need is not repeated when the same exam type is
  already listed as periodic.

Filters: enterprise, site (the core ``Worker.site`` the worker is based at), exposure group
(the worker's ``exposure_group``, or an exposure whose type contains the text).
The list costs a fixed number of queries (workers, exams, exposures, open appointments)
whatever its length. A need for which a future open appointment (scheduled, confirmed,
checked in) of the same exam type exists is shown "scheduled on <date>" and not offered
for scheduling again (``RecallEntry.to_schedule``). Scheduling goes through ``appointment_create`` (double booking refused,
reported per worker).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core.models import Worker

from ..models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    ExamType,
    Exposure,
    MedicalExamination,
)
from .appointments import appointment_create
from .medical import exam_series

RECENT_DAYS = 365
#: (words in the exposure type, exam that watches it)
EXPOSURE_EXAMS = (
    (("noise", "bruit"), ExamType.AUDIOMETRY),
    (("dust", "silica", "cobalt", "poussi", "silice"), ExamType.SPIROMETRY),
)
OPEN_STATUSES = (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED, AppointmentStatus.CHECKED_IN)


def exam_for_exposure(exposure_type: str):
    text = (exposure_type or "").lower()
    for words, exam_type in EXPOSURE_EXAMS:
        if any(word in text for word in words):
            return exam_type
    return None


@dataclass
class RecallNeed:
    exam_type: str
    reason: str  # "periodic" or "exposure"
    due: date | None = None
    overdue: bool = False
    agent: str = ""
    #: Start of the next open appointment booked for this exam type: the need is scheduled
    #: (shown as "scheduled on", not offered again for scheduling).
    scheduled: datetime | None = None

    @property
    def exam_label(self):
        return ExamType(self.exam_type).label


@dataclass
class RecallEntry:
    worker: Worker
    needs: list[RecallNeed] = field(default_factory=list)
    scheduled: datetime | None = None  # the next open appointment, if any

    @property
    def overdue(self) -> bool:
        return any(need.overdue for need in self.needs)

    @property
    def first_due(self):
        dues = [need.due for need in self.needs if need.due]
        return min(dues) if dues else None

    @property
    def to_schedule(self) -> list[RecallNeed]:
        """The needs no open appointment covers yet (what the "Schedule" action books)."""
        return [need for need in self.needs if need.scheduled is None]

    @property
    def exam_type(self) -> str:
        """The exam to book first, among those not booked yet: an overdue one, else the
        earliest due, else exposure-driven."""
        ordered = sorted(self.to_schedule or self.needs, key=lambda n: (not n.overdue, n.due or date.max))
        return ordered[0].exam_type


def recall_workers(organization, *, enterprise_id=None, exposure_group: str = "", site_id=None):
    workers = Worker.objects.filter(organization=organization, is_active=True)
    if enterprise_id:
        workers = workers.filter(enterprise_id=enterprise_id)
    if site_id:
        workers = workers.filter(site_id=site_id)
    if exposure_group:
        workers = workers.filter(Q(exposure_group__iexact=exposure_group) | Q(pk__in=Exposure.objects.filter(
            organization=organization, exposure_type__icontains=exposure_group).values("worker_id")))
    return workers.select_related("contact", "enterprise", "site").order_by("employee_number")


def recall_list(organization, *, within_days: int = 30, on: date | None = None, enterprise_id=None,
                exposure_group: str = "", site_id=None) -> list[RecallEntry]:
    """Workers with at least one exam due (see the module doc), overdue first, in 4 queries."""
    on = on or timezone.localdate()
    horizon = on + timedelta(days=within_days)
    recent = on - timedelta(days=RECENT_DAYS)
    workers = {w.pk: w for w in recall_workers(organization, enterprise_id=enterprise_id,
                                                exposure_group=exposure_group, site_id=site_id)}
    ids = list(workers)
    # (worker, exam series) -> (exam type, exam_date, next_due_date) of the series' latest exam:
    # a periodic exam renews the pre-employment one (``exam_series``).
    latest = {}
    for worker_id, exam_type, exam_date, due in (
            MedicalExamination.objects.filter(organization=organization, worker_id__in=ids)
            .order_by("exam_date", "created_at")
            .values_list("worker_id", "exam_type", "exam_date", "next_due_date")):
        latest[(worker_id, exam_series(exam_type))] = (exam_type, exam_date, due)
    entries: dict = {}
    for (worker_id, _series), (exam_type, _exam_date, due) in latest.items():
        if due is not None and due <= horizon:
            entries.setdefault(worker_id, RecallEntry(workers[worker_id])).needs.append(
                RecallNeed(exam_type=exam_type, reason="periodic", due=due, overdue=due < on))
    for worker_id, agent in (Exposure.objects.filter(organization=organization, worker_id__in=ids,
                                                     measured_on__gte=recent, measured_on__lte=on)
                             .order_by("worker_id", "exposure_type").values_list("worker_id", "exposure_type")
                             .distinct()):
        exam_type = exam_for_exposure(agent)
        if exam_type is None:
            continue
        done = latest.get((worker_id, exam_type))
        if done is not None and done[1] >= recent:
            continue
        entry = entries.setdefault(worker_id, RecallEntry(workers[worker_id]))
        if all(need.exam_type != exam_type for need in entry.needs):
            entry.needs.append(RecallNeed(exam_type=exam_type, reason="exposure", agent=agent))
    for worker_id, exam_type, start in (
            Appointment.objects.filter(organization=organization, worker_id__in=list(entries),
                                       status__in=OPEN_STATUSES, start__gte=timezone.now())
            .order_by("worker_id", "-start").values_list("worker_id", "exam_type", "start")):
        entry = entries[worker_id]
        entry.scheduled = start  # ordered latest first: the earliest wins
        for need in entry.needs:
            if exam_type and need.exam_type == exam_type:
                need.scheduled = start  # this exam is booked: "scheduled on", not "to schedule"
    return sorted(entries.values(), key=lambda e: (not e.overdue, e.first_due or date.max,
                                                   e.worker.employee_number))


@dataclass
class ScheduleResult:
    worker: Worker
    appointment: Appointment | None = None
    error: str = ""


def schedule_recalls(*, organization, entries, start: datetime, slot_minutes: int, provider, user=None,
                     location: str = "") -> list[ScheduleResult]:
    """One medical-exam appointment per entry, back to back from ``start`` with the same
    clinician; a slot the clinician already has taken is refused for that worker (reported)
    and the next worker keeps the next slot. Each appointment is its own transaction."""
    results = []
    slot = timedelta(minutes=slot_minutes)
    entries = list(entries)
    for entry in [entry for entry in entries if not entry.to_schedule]:  # every exam already booked
        booked = min(need.scheduled for need in entry.needs)
        results.append(ScheduleResult(entry.worker, error=_("Already scheduled on %(date)s.")
                                      % {"date": f"{timezone.localtime(booked):%Y-%m-%d %H:%M}"}))
    entries = [entry for entry in entries if entry.to_schedule]
    for index, entry in enumerate(entries):
        begin = start + index * slot
        try:
            appointment = appointment_create(organization=organization, user=user, data={
                "worker": entry.worker, "start": begin, "end": begin + slot,
                "appointment_type": AppointmentType.MEDICAL_EXAM, "exam_type": entry.exam_type,
                "provider": provider, "location": location,
            })
        except ValidationError as exc:
            messages = exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]
            results.append(ScheduleResult(entry.worker, error=" ".join(m for ms in messages for m in ms)
                                          or _("Could not be scheduled.")))
        else:
            results.append(ScheduleResult(entry.worker, appointment=appointment))
    return results
