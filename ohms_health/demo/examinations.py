"""Demo examinations and exposure measurements for the demo mine's workers.

Every worker has a pre-employment exam and a periodic exam; the noise group has audiograms,
the dust and cobalt groups spirometry; measurements of noise, silica dust and cobalt sit
around their limits so the risk profiles, alerts and the recall list have something to show.
A few periodic exams are overdue and one worker was found unfit, as on a real site.
"""
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from ohms_core.models import Worker

from ..models import AUDIOMETRY_FREQUENCIES, Exposure, MedicalExamination
from ..services import medical_record_create

#: (agent, unit, occupational exposure limit) per demo exposure group.
AGENTS = {
    "Bruit": ("noise", "dB(A)", Decimal("85")),
    "Poussières/silice": ("silica dust", "mg/m³", Decimal("0.1")),
    "Cobalt": ("cobalt", "mg/m³", Decimal("0.02")),
}
FINDINGS = ["RAS.", "Examen clinique normal.", "Tension artérielle limite, à surveiller.",
            "Légère baisse auditive sur les aigus.", "Toux matinale signalée, auscultation normale."]


def _audiogram(rng, loss):
    return {ear: {f: min(120, rng.randint(0, 15) + (loss if int(f) >= 3000 else loss // 3))
                  for f in AUDIOMETRY_FREQUENCIES} for ear in ("left", "right")}


def load(*, organization, user, rng) -> str:
    if MedicalExamination.objects.filter(organization=organization).exists():
        return "Health demo: examinations already present."
    today = timezone.localdate()
    exams = exposures = 0
    workers = list(Worker.objects.filter(organization=organization).order_by("employee_number"))

    def record(model, **data):
        return medical_record_create(model=model, organization=organization, data=data, user=user, role="org_admin")

    for index, worker in enumerate(workers):
        hired = worker.hire_date or today - timedelta(days=900)
        record(MedicalExamination, worker=worker, exam_type="pre_employment", exam_date=hired - timedelta(days=10),
               findings="Apte à l'embauche.", fitness_outcome="fit", next_due_date=None)
        last = today - timedelta(days=rng.randint(20, 330))
        outcome, restrictions, due = "fit", "", last + timedelta(days=365)
        if index % 13 == 5:
            outcome, restrictions = "fit_with_restrictions", "Pas de travail en hauteur."
        if index == 17:
            outcome, due = "unfit", None
        if index in (8, 21, 33):  # overdue: last periodic exam more than a year ago
            last = today - timedelta(days=rng.randint(380, 420))
            due = last + timedelta(days=365)
        record(MedicalExamination, worker=worker, exam_type="periodic", exam_date=last, findings=rng.choice(FINDINGS),
               fitness_outcome=outcome, restrictions=restrictions, next_due_date=due)
        exams += 2
        agent = AGENTS.get(worker.exposure_group)
        if agent is None:
            continue
        name, unit, limit = agent
        if name == "noise":
            record(MedicalExamination, worker=worker, exam_type="audiometry", exam_date=last,
                   findings="Audiogramme tonal.", fitness_outcome="fit", next_due_date=last + timedelta(days=365),
                   results={"hearing_thresholds": _audiogram(rng, rng.choice([5, 15, 30, 45]))})
        else:
            fvc = round(rng.uniform(3.4, 5.2), 2)
            ratio = round(rng.uniform(0.62, 0.84), 2)
            record(MedicalExamination, worker=worker, exam_type="spirometry", exam_date=last,
                   findings="Spirométrie.", fitness_outcome="fit", next_due_date=last + timedelta(days=365),
                   results={"fvc": fvc, "fev1": round(fvc * ratio, 2), "fev1_fvc": ratio,
                            "fvc_predicted": round(fvc * rng.uniform(0.95, 1.2), 2),
                            "fev1_predicted": round(fvc * 0.8 * rng.uniform(0.95, 1.15), 2)})
        exams += 1
        for months in (1, 4, 8):
            percent = Decimal(rng.randint(55, 130)) / 100
            record(Exposure, worker=worker, exposure_type=name, unit=unit, exposure_limit=limit,
                   measured_level=(limit * percent).quantize(Decimal("0.0001")),
                   measured_on=today - timedelta(days=30 * months - rng.randint(0, 10)), high_risk=percent >= 1)
            exposures += 1
    return f"Health demo: {exams} examinations, {exposures} exposure measurements."
