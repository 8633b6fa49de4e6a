"""States and types of the regulatory declarations (SPEC 4.1-4.2). Strings live only here."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    """One lifecycle for CNSS and DRC declarations (SPEC 4.2 recommends reusing the CNSS one)."""

    DRAFT = "draft", _("Draft")
    READY_FOR_SUBMISSION = "ready_for_submission", _("Ready for submission")
    SUBMITTED = "submitted", _("Submitted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


#: Not yet filed with the authority: the statutory clock runs, "pending" lists them.
UNSUBMITTED_STATUSES = (ReportStatus.DRAFT, ReportStatus.READY_FOR_SUBMISSION)
#: Filed, the authority has not decided yet: followed up on the dashboard.
AWAITING_AUTHORITY_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.ACKNOWLEDGED)


class CNSSReportType(models.TextChoices):
    INCIDENT = "incident", _("Workplace accident")
    DISEASE = "disease", _("Occupational disease")
    FATALITY = "fatality", _("Fatality")
    MONTHLY_STATS = "monthly_stats", _("Monthly statistics")
    QUARTERLY_SUMMARY = "quarterly_summary", _("Quarterly summary")
    ANNUAL_REPORT = "annual_report", _("Annual report")


class DRCReportType(models.TextChoices):
    MONTHLY_INCIDENTS = "monthly_incidents", _("Monthly incident summary")
    QUARTERLY_HEALTH = "quarterly_health", _("Quarterly health metrics")
    ANNUAL_COMPLIANCE = "annual_compliance", _("Annual compliance report")
    FATAL_INCIDENT = "fatal_incident", _("Fatal incident")
    SEVERE_INCIDENT = "severe_incident", _("Severe incident")
    DISEASE_NOTICE = "disease_notice", _("Disease notice")


class ClockLevel(models.TextChoices):
    """Escalation points of the statutory clock (share of the time allowed that has gone)."""

    HALF = "50", _("50 % of the time gone")
    NINETY = "90", _("90 % of the time gone")
    EXPIRED = "expired", _("Deadline passed")
