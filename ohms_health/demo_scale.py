"""Medical examinations at mine scale for ``ohms_demo --scale`` (manifest ``demo_scale``).

Every worker of the scaled organization gets a pre-employment exam and a periodic one, as
in the normal demo (``demo/examinations.py``), but written with ``bulk_create``: a thousand
workers through ``medical_record_create`` (validation, audit row each) would take longer
than every permit. The mix mirrors a real site: mostly fit, one in thirteen with
restrictions, one in fifty unfit, one in twenty overdue for the periodic exam (so the
recall list and the fitness checks of the permit have something to show).
"""
from __future__ import annotations

from datetime import timedelta

FINDINGS = ["RAS.", "Examen clinique normal.", "Tension artérielle limite, à surveiller."]


def load(*, organization, user, people: dict, workers, size: dict, progress=None) -> str:
    from django.utils import timezone

    from .models import MedicalExamination

    if MedicalExamination.objects.filter(organization=organization).exists():
        return f"Health: examinations already present in {organization.code}; nothing to do."
    today = timezone.localdate()
    exams = []
    for index, worker in enumerate(workers):
        hired = worker.hire_date or today - timedelta(days=900)
        exams.append(MedicalExamination(
            organization=organization, worker=worker, exam_type="pre_employment", exam_date=hired - timedelta(days=10),
            findings="Apte à l'embauche.", fitness_outcome="fit", created_by=user))
        last = today - timedelta(days=20 + index % 310)
        outcome, restrictions, due = "fit", "", last + timedelta(days=365)
        if index % 13 == 5:
            outcome, restrictions = "fit_with_restrictions", "Pas de travail en hauteur."
        if index % 50 == 17:
            outcome, due = "unfit", None
        elif index % 20 == 8:  # overdue: last periodic exam more than a year ago
            last = today - timedelta(days=380 + index % 40)
            due = last + timedelta(days=365)
        exams.append(MedicalExamination(
            organization=organization, worker=worker, exam_type="periodic", exam_date=last,
            findings=FINDINGS[index % len(FINDINGS)], fitness_outcome=outcome, restrictions=restrictions,
            next_due_date=due, created_by=user))
    MedicalExamination.objects.bulk_create(exams, batch_size=1000)
    return f"Health: {len(exams)} medical examinations."
