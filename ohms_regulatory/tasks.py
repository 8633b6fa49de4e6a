"""Periodic jobs of the regulatory add-on (thin: each calls a service)."""
from django.utils.translation import gettext_lazy as _

from ohms_core.jobs import crontab, periodic_job


@periodic_job("regulatory_policy_review_reminders", schedule=crontab(minute="0", hour="6"), schedule_label=_("daily at 06:00"),
              addon="ohms_regulatory", label=_("Remind policy reviews and acknowledgements"), retries=2, retry_delay=300)
def policy_review_reminders():
    """Before a policy's review date: its owner and the readers who have not acknowledged
    it are reminded once (a second run sends nothing)."""
    from .services.policies import policy_reminders_send

    return policy_reminders_send()
