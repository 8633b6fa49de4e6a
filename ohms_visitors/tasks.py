"""Visitors periodic jobs (thin: each calls a service)."""
from django.utils.translation import gettext_lazy as _

from ohms_core.jobs import crontab, periodic_job


@periodic_job("visitors_mark_no_shows", schedule=crontab(minute="*/15"), schedule_label=_("every 15 minutes"),
              addon="ohms_visitors", label=_("Mark visitors who did not come as no-shows"), retries=2, retry_delay=60)
def mark_no_shows():
    """Invited visitors past their window (and its grace) become no-shows; idempotent."""
    from .services.gate import invites_mark_no_show

    return invites_mark_no_show()
