from .audits import (  # noqa: F401
    AuditFinding,
    AuditResult,
    FindingSeverity,
    FindingStatus,
    QualityAudit,
)
from .esg import ActivityData, EmissionFactor, EmissionScope, SustainabilityGoal  # noqa: F401
