from .audits import (  # noqa: F401
    AuditFinding,
    AuditResult,
    FindingSeverity,
    FindingStatus,
    QualityAudit,
)
from .esg import ActivityData, EmissionFactor, EmissionScope, SustainabilityGoal  # noqa: F401
from .reports import (  # noqa: F401
    DECLARANTS,
    CNSSReport,
    DRCReport,
    RegulatorySettings,
    ReportClockNotice,
    ReportNumberSequence,
)
