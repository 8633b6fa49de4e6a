"""Settings of the permit-to-work add-on, with their defaults (SPEC 6.2).

The site's settings need not name the add-on: each value is read, when asked, from Django
settings (``PTW_...``) if the site sets it, else from the environment variable of the same
name, else the default below. Read them as ``conf.ptw_setting("PTW_APPROVAL_SLA_HOURS")``
or through the helpers.
"""
from __future__ import annotations

import os

from django.conf import settings

DEFAULTS: dict[str, int] = {
    #: Hours a verifier has to act on a pending verification step before it is overdue.
    "PTW_VERIFICATION_SLA_HOURS": 4,
    #: Hours an approver has to act on a pending approval step.
    "PTW_APPROVAL_SLA_HOURS": 4,
    #: A permit ending within this many hours is "expiring soon".
    "PTW_EXPIRING_SOON_HOURS": 4,
    #: Clock skew allowed for a gas reading dated in the future (DECISIONS 24 of docs/decisions.md).
    "PTW_GAS_READING_FUTURE_TOLERANCE_MINUTES": 5,
    #: Most permits one bulk export (PDF ZIP or Excel) may hold; more is a 400 (SPEC 2.10).
    "PTW_BULK_EXPORT_LIMIT": 200,
    #: The admin asks for a confirmation before exporting more permits than this.
    "PTW_EXPORT_CONFIRM_ABOVE": 50,
    #: Most rows of ``GET permits/export_excel/`` (SPEC 2.10); more is a 400.
    "PTW_EXCEL_EXPORT_LIMIT": 500,
    #: SPEC 2.8: time limit of a pending step when no escalation rule applies.
    "PTW_ESCALATION_FALLBACK_HOURS": 4,
    #: SPEC 2.8 cooldown: a step is not escalated again (same level) within this many hours.
    "PTW_ESCALATION_COOLDOWN_HOURS": 24,
    #: Hours an assigned isolation point may stay unverified on an approved permit before a reminder.
    "PTW_ISOLATION_PENDING_HOURS": 2,
    #: A reminder (closeout, isolation, expiring soon) is not repeated for a permit within this many hours.
    "PTW_REMINDER_COOLDOWN_HOURS": 24,
    #: A failed run of a PTW periodic job is tried again this many times (every job is idempotent)...
    "PTW_JOB_RETRIES": 2,
    #: ...this many seconds after the failure (each attempt is its own JobRun).
    "PTW_JOB_RETRY_DELAY_SECONDS": 120,
}


def ptw_setting(name: str) -> int:
    if name not in DEFAULTS:
        raise KeyError(name)
    if hasattr(settings, name):
        return int(getattr(settings, name))
    return int(os.environ.get(name, DEFAULTS[name]))


def verification_sla_hours() -> int:
    return ptw_setting("PTW_VERIFICATION_SLA_HOURS")


def approval_sla_hours() -> int:
    return ptw_setting("PTW_APPROVAL_SLA_HOURS")


def expiring_soon_hours() -> int:
    return ptw_setting("PTW_EXPIRING_SOON_HOURS")


def gas_reading_future_tolerance_minutes() -> int:
    return ptw_setting("PTW_GAS_READING_FUTURE_TOLERANCE_MINUTES")


def escalations_enabled() -> bool:
    """SPEC 2.8 ``ESCALATIONS_ENABLED`` (default False: "enable after testing"): Django setting,
    else the environment variable of the same name."""
    if hasattr(settings, "ESCALATIONS_ENABLED"):
        return bool(settings.ESCALATIONS_ENABLED)
    return os.environ.get("ESCALATIONS_ENABLED", "").strip().lower() in ("1", "true", "yes", "on")
