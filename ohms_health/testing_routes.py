"""Health add-on routes for the cross-tenant route matrix (``ohms_core.testing_routes``)."""
from datetime import date, timedelta
from decimal import Decimal

from ohms_core.models import Enterprise, Worker
from ohms_core.models.documents import Document
from ohms_core.testing_routes import register_factory, register_route_model

from .models import Exposure, MedicalExamination, RiskSettings, WorkerRiskProfile
from .models.exit import ExitExamination
from .models.incidents import CorrectiveAction, Incident, IncidentInjury, OccupationalDisease

# The medical profile screen is reached through the worker it belongs to.
register_route_model("ohms_health_medical_profile", Worker, pk_kwarg="worker_pk")

register_factory(MedicalExamination, lambda w: MedicalExamination.objects.create(
    organization=w.org, worker=w.get(Worker), exam_type="periodic", exam_date=date(2026, 1, 10),
    findings="Matrix findings", results={"fev1": 3.1, "fvc": 4.0, "fev1_fvc": 0.78}, fitness_outcome="fit",
    next_due_date=date(2026, 1, 10) + timedelta(days=365)))
register_factory(Exposure, lambda w: Exposure.objects.create(
    organization=w.org, worker=w.get(Worker), exposure_type="noise", measured_level=Decimal("88"),
    exposure_limit=Decimal("85"), unit="dB(A)", measured_on=date(2026, 1, 10), high_risk=True))
register_factory(WorkerRiskProfile, lambda w: WorkerRiskProfile.objects.create(
    organization=w.org, worker=Worker.objects.create(
        organization=w.org, contact=w.get(Worker).contact, enterprise=w.get(Worker).enterprise,
        employee_number=f"RP-{w.seq()}")))
register_factory(RiskSettings, lambda w: RiskSettings.objects.get_or_create(organization=w.org)[0])

# Overexposure alerts (SPEC 3.3): an active one, so the transition routes have something to refuse.
from .models import AlertThreshold, OverexposureAlert  # noqa: E402

register_factory(OverexposureAlert, lambda w: OverexposureAlert.objects.create(
    organization=w.org, worker=w.get(Worker), exposure_type="noise", measured_value=Decimal("95"),
    exposure_limit=Decimal("85"), unit="dB(A)", percent_of_limit=Decimal("111.76"), severity="critical"))
register_factory(AlertThreshold, lambda w: AlertThreshold.objects.create(
    organization=w.org, exposure_type=f"agent {w.seq()}"))
# --- incidents and occupational diseases (ohms_health.models.incidents) ---------------------

def _incident(w):
    incident = Incident.objects.create(
        organization=w.org, enterprise=w.get(Enterprise), occurred_at="2026-01-10T08:00:00Z", severity="lost_time",
        location="Matrix pit", description="Matrix incident", root_cause="Matrix root cause")
    incident.workers.add(w.get(Worker))
    return incident


register_factory(Incident, _incident)
register_factory(IncidentInjury, lambda w: IncidentInjury.objects.create(
    organization=w.org, incident=w.get(Incident), worker=w.get(Worker), injury_type="fracture", body_part="arm",
    days_lost=3))
register_factory(CorrectiveAction, lambda w: CorrectiveAction.objects.create(
    organization=w.org, incident=w.get(Incident), description="Matrix action", due_date=date(2026, 2, 1)))
register_factory(OccupationalDisease, lambda w: OccupationalDisease.objects.create(
    organization=w.org, worker=w.get(Worker), disease="Matrix silicosis", agent="silica dust",
    diagnosed_on=date(2026, 1, 10), diagnosis_detail="Matrix detail"))

def _exit_exam(w):
    exam = ExitExamination.objects.create(
        organization=w.org, worker=Worker.objects.create(
            organization=w.org, contact=w.get(Worker).contact, enterprise=w.get(Worker).enterprise,
            employee_number=f"EX-{w.seq()}"),
        exit_date=date(2026, 3, 1), findings="Matrix exit findings", fitness_outcome="fit",
        certificate=w.get(Document), certificate_reference=f"EXIT-MATRIX-{w.seq()}")
    return exam


register_factory(ExitExamination, _exit_exam)
# PPE compliance, appointments and billing (SPEC 3.5, 3.6).
from datetime import UTC, datetime  # noqa: E402

from .models import Appointment, PPEComplianceRecord, PPEItem, Transaction  # noqa: E402

register_factory(PPEItem, lambda w: PPEItem.objects.create(
    organization=w.org, enterprise=w.get(Enterprise), worker=None, ppe_type="helmet",
    serial_number=f"PPE-{w.seq()}", expiry_date=date(2030, 1, 1)))
register_factory(PPEComplianceRecord, lambda w: PPEComplianceRecord.objects.create(
    organization=w.org, ppe_item=w.get(PPEItem), check_type="routine", status="non_compliant"))


def _appointment(w):
    hour = w.seq() % 20
    start = datetime(2026, 3, 2, hour, 0, tzinfo=UTC)
    return Appointment.objects.create(
        organization=w.org, worker=w.get(Worker), start=start, end=start.replace(minute=30),
        provider=w.admin, appointment_type="consultation")


register_factory(Appointment, _appointment)
register_factory(Transaction, lambda w: Transaction.objects.create(
    organization=w.org, transaction_type="charge", amount=Decimal("40.00"), worker=w.get(Worker)))
