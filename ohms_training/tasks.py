"""Training periodic jobs (thin: each calls a service)."""
from django.utils.translation import gettext_lazy as _

from ohms_core.jobs import crontab, periodic_job


@periodic_job("training_certificate_reminders", schedule=crontab(hour="6", minute="15"),
              schedule_label=_("daily at 06:15"), addon="ohms_training",
              label=_("Training certificate renewal reminders"))
def certificate_reminders():
    """Reminders 30 and 7 days before a certificate expires, once each (a ledger row per step)."""
    from .services import certificate_reminders as remind

    return remind()
