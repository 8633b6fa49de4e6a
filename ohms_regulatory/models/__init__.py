"""Models of the regulatory add-on; one module per aggregate."""
from .. import policy_receivers  # noqa: E402
from .audits import (  # noqa: F401
    AuditFinding,
    AuditResult,
    FindingSeverity,
    FindingStatus,
    QualityAudit,
)
from .esg import ActivityData, EmissionFactor, EmissionScope, SustainabilityGoal  # noqa: F401
from .policies import (  # noqa: F401
    PolicyAcknowledgement,
    PolicyApprovalTask,
    PolicyIndexPage,
    PolicyPage,
    PolicyReminder,
)
from .reports import (  # noqa: F401
    DECLARANTS,
    CNSSReport,
    DRCReport,
    RegulatorySettings,
    ReportClockNotice,
    ReportNumberSequence,
)

policy_receivers.connect()
