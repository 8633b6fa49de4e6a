"""Demo exit examinations (SPEC 3.4), through the services: one leaving in ten days with the
exam scheduled (its 14/7-day reminders will fire), one pending in a month, one complete
with an issued certificate, one unfit worker stopped before the certificate. Idempotent."""
from datetime import datetime, time, timedelta

from django.utils import timezone

from ohms_core.context import acting_as
from ohms_core.models import Worker

from ..models import ExitExamination
from ..services.exit import exit_exam_create, exit_exam_transition
from .appointments import _clinician


def load(*, organization, user, rng) -> str:
    # The medical steps need a medical role: the demo acts as the organization's admin.
    with acting_as(organization=organization, user=user, role="org_admin", reason="demo"):
        return _load(organization=organization, user=user)


def _load(*, organization, user) -> str:
    if ExitExamination.all_objects.filter(organization=organization).exists():
        return "Exit examinations already present."
    workers = list(Worker.objects.filter(organization=organization).order_by("-employee_number")[:4])
    if len(workers) < 4 or user is None:
        return "Exit examinations: not enough demo workers."
    today = timezone.localdate()
    role = "org_admin"
    clinician = _clinician(organization, user)  # the demo medical officer's agenda (issue 14)

    def at(day, hour=9):
        return timezone.make_aware(datetime.combine(day, time(hour)))

    def create(worker, days):
        return exit_exam_create(organization=organization, user=user, role=role,
                                data={"worker": worker, "exit_date": today + timedelta(days=days)})

    def step(exam, name, **data):
        return exit_exam_transition(instance=exam, name=name, user=user, data=data, language="fr")

    soon = create(workers[0], 10)
    step(soon, "schedule", scheduled_exam_at=at(today + timedelta(days=3)), clinician=clinician)
    create(workers[1], 30)
    certified = create(workers[2], 5)
    step(certified, "schedule", scheduled_exam_at=at(today - timedelta(days=2)), clinician=clinician)
    step(certified, "complete", findings="Examen clinique normal. Audiogramme stable.", fitness_outcome="fit_with_restrictions",
         restrictions="Éviter les postes exposés au bruit > 85 dB(A).")
    step(certified, "assess_disease", disease_result="no_disease")
    step(certified, "issue_certificate")
    unfit = create(workers[3], 20)
    step(unfit, "schedule", scheduled_exam_at=at(today - timedelta(days=1)), clinician=clinician)
    step(unfit, "complete", findings="Dyspnée d'effort, opacités pulmonaires.", fitness_outcome="unfit")
    step(unfit, "assess_disease", disease_result="suspected",
         disease_notes="Silicose suspectée : scanner thoracique demandé.")
    return "Exit examinations: 4 (scheduled, pending, certificate issued, unfit awaiting CNSS)."
