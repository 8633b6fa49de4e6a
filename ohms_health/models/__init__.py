"""Occupational-health records (SPEC DECISIONS 12, SPEC 3.1-3.2); one module per aggregate.

Medical content lives here, not on the core ``Worker``: only medical officers and org
admins read it (``ohms_health.services``), every read is audited, and other add-ons only
get the fitness answer through ``ohms_core.providers.worker_fitness``.
"""
from .examination import ExamType, FitnessOutcome, MedicalExamination
from .exposure import Exposure
from .profile import FitnessStatus, MedicalProfile
from .risk import RiskLevel, RiskSettings, WorkerRiskProfile

__all__ = [
    "ExamType", "Exposure", "FitnessOutcome", "FitnessStatus", "MedicalExamination", "MedicalProfile",
    "RiskLevel", "RiskSettings", "WorkerRiskProfile",
]
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
