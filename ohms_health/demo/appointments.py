"""Demo appointments: the recall list's first workers booked with the demo medical officer
(or the admin) from 08:00 today, one confirmed, one completed with its charge and
payment. Idempotent."""
from datetime import datetime, time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from ohms_core.workflows import transition_run

from ..models import Appointment, ExamType
from ..services.appointments import transaction_create
from ..services.recall import recall_list, schedule_recalls


def _clinician(organization, user):
    User = get_user_model()
    doctor = User.objects.filter(ohms_memberships__organization=organization,
                                 ohms_memberships__role="medical_officer", is_active=True).first()
    return doctor or user


def load(*, organization, user, rng) -> str:
    # Exit appointments are booked by the exit demo (scheduling an exit exam books the clinician).
    if Appointment.all_objects.filter(organization=organization).exclude(exam_type=ExamType.EXIT).exists():
        return "Appointments demo data already present."
    clinician = _clinician(organization, user)
    entries = recall_list(organization, within_days=60)[:6]
    if not entries:  # no exam data yet: a few consultations so the agenda is not empty
        from ohms_core.models import Worker

        from ..services.recall import RecallEntry, RecallNeed

        entries = [RecallEntry(worker, [RecallNeed(exam_type="periodic", reason="periodic")])
                   for worker in Worker.objects.filter(organization=organization, is_active=True)[:4]]
    day = timezone.localdate()
    start = timezone.make_aware(datetime.combine(day, time(8, 0)))
    results = schedule_recalls(organization=organization, entries=entries, start=start, slot_minutes=20,
                               provider=clinician, user=user, location="Centre médical")
    booked = [r.appointment for r in results if r.appointment]
    if booked:
        transition_run(instance=booked[0], name="confirm", user=user, check_permission=False)
    if len(booked) > 1:
        done = booked[1]
        for name in ("check_in", "complete"):
            done = transition_run(instance=done, name=name, user=user, check_permission=False)
        for kind, method in (("charge", ""), ("payment", "cash")):
            transaction_create(organization=organization, user=user, data={
                "transaction_type": kind, "amount": Decimal("45.00"), "currency": "USD", "payment_method": method,
                "appointment": done, "invoice_number": f"FAC-{day:%Y}-0001", "receipt_required": kind == "payment"})
    return f"Appointments demo: {len(booked)} appointments from the recall list."
