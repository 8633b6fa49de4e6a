from .closeout import CloseoutChecklistTemplate, PermitCloseout
from .config import PermitType, RiskMatrix
from .escalation import EscalationRule
from .export_log import ExportLogEntry
from .isolation import IsolationPointLibrary, LotoLog, LotoProcedure, PermitIsolationPoint
from .permit import (
    DigitalSignature,
    GasReading,
    Permit,
    PermitAudit,
    PermitExtension,
    PermitHazard,
    PermitNumberSequence,
    PermitPhoto,
    PermitWorker,
)
from .workflow import WorkflowInstance, WorkflowStep

__all__ = [
    "CloseoutChecklistTemplate", "PermitCloseout", "PermitType", "RiskMatrix", "IsolationPointLibrary", "LotoLog",
    "LotoProcedure", "PermitIsolationPoint", "DigitalSignature", "GasReading", "Permit", "PermitAudit",
    "PermitExtension", "PermitHazard", "PermitNumberSequence", "PermitPhoto", "PermitWorker", "WorkflowInstance",
    "WorkflowStep",
    "EscalationRule",
    "ExportLogEntry",
]
