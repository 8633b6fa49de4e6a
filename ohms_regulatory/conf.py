"""Settings of the regulatory add-on, with their defaults (overridden in django.conf.settings)."""
from django.conf import settings

DEFAULTS = {
    # Policy pages (DECISIONS 13): a reader in the audience who has not acknowledged the
    # current version this many days after its effective date is "overdue".
    "POLICY_ACK_OVERDUE_DAYS": 14,
    # Reminders start this many days before a policy's review date.
    "POLICY_REVIEW_REMINDER_DAYS": 30,
}


def regulatory_setting(name: str):
    return getattr(settings, f"OHMS_{name}", DEFAULTS[name])
