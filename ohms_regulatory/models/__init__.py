from .reports import (  # noqa: F401
    DECLARANTS,
    CNSSReport,
    DRCReport,
    RegulatorySettings,
    ReportClockNotice,
    ReportNumberSequence,
)
