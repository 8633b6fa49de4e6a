"""PTW periodic jobs (thin: each calls a service)."""
from django.utils.translation import gettext_lazy as _

from ohms_core.jobs import crontab, periodic_job


@periodic_job("ptw_auto_expire_permits", schedule=crontab(minute="*/10"), schedule_label=_("every 10 minutes"),
              addon="ohms_ptw", label=_("Expire overdue permits"))
def auto_expire_permits():
    """Approved, active or suspended permits past their planned end become expired."""
    from .services.expiry import permits_expire_overdue

    return permits_expire_overdue()
