"""Occupational-health records (SPEC DECISIONS 12, SPEC 3.1-3.2); one module per aggregate.

Medical content lives here, not on the core ``Worker``: only medical officers and org
admins read it (``ohms_health.services``), every read is audited, and other add-ons only
get the fitness answer through ``ohms_core.providers.worker_fitness``.
"""
from .alerts import AlertSeverity, AlertStatus, AlertThreshold, OverexposureAlert
from .examination import AUDIOMETRY_FREQUENCIES, ExamType, FitnessOutcome, MedicalExamination
from .exit import DiseaseResult, ExitExamination, ExitExamReminder, ExitExamStatus
from .exposure import Exposure
from .incidents import (
    CorrectiveAction,
    Incident,
    IncidentInjury,
    IncidentSeverity,
    IncidentStatus,
    InjuryType,
    OccupationalDisease,
)
from .profile import FitnessStatus, MedicalProfile
from .risk import RiskLevel, RiskSettings, WorkerRiskProfile

__all__ = [
    "AUDIOMETRY_FREQUENCIES", "ExamType", "Exposure", "FitnessOutcome", "FitnessStatus", "MedicalExamination", "MedicalProfile",
    "RiskLevel", "RiskSettings", "WorkerRiskProfile",
    "CorrectiveAction", "Incident", "IncidentInjury", "IncidentSeverity", "IncidentStatus", "InjuryType",
    "OccupationalDisease",
    "DiseaseResult", "ExitExamination", "ExitExamReminder", "ExitExamStatus",
]
__all__ += ["AlertSeverity", "AlertStatus", "AlertThreshold", "OverexposureAlert"]
from .appointments import (  # noqa: E402
    Appointment,
    AppointmentStatus,
    AppointmentType,
    Currency,
    PaymentMethod,
    Transaction,
    TransactionType,
)
from .ppe import CheckType, ComplianceStatus, PPEComplianceRecord, PPECondition, PPEItem, PPEType  # noqa: E402

__all__ += [
    "Appointment", "AppointmentStatus", "AppointmentType", "CheckType", "ComplianceStatus", "Currency",
    "PPEComplianceRecord", "PPECondition", "PPEItem", "PPEType", "PaymentMethod", "Transaction", "TransactionType",
]
