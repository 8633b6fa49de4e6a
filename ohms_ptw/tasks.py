"""PTW periodic jobs (thin: each calls a service)."""
from django.utils.translation import gettext_lazy as _

from ohms_core.jobs import crontab, periodic_job

from . import conf

#: Every PTW job is idempotent (a second run creates nothing new), so a failed run (a
#: locked database, a mail server down) is simply run again a little later by Huey.
RETRIES = {"retries": conf.ptw_setting("PTW_JOB_RETRIES"),
           "retry_delay": conf.ptw_setting("PTW_JOB_RETRY_DELAY_SECONDS")}


@periodic_job("ptw_auto_expire_permits", schedule=crontab(minute="*/10"), schedule_label=_("every 10 minutes"),
              addon="ohms_ptw", label=_("Expire overdue permits"), **RETRIES)
def auto_expire_permits():
    """Approved, active or suspended permits past their planned end become expired."""
    from .services.expiry import permits_expire_overdue

    return permits_expire_overdue()


@periodic_job("ptw_check_overdue_workflow_tasks", schedule=crontab(minute="0"), schedule_label=_("hourly"),
              addon="ohms_ptw", label=_("Escalate overdue verification and approval steps"), **RETRIES)
def check_overdue_workflow_tasks():
    """SPEC 2.8 escalations (only when ESCALATIONS_ENABLED); a second run within the cooldown creates nothing."""
    from .services.escalations import escalations_check

    return escalations_check().escalated


@periodic_job("ptw_check_pending_closeout_and_isolation", schedule=crontab(minute="30"), schedule_label=_("hourly"),
              addon="ohms_ptw", label=_("Remind pending closeouts and isolations"), **RETRIES)
def check_pending_closeout_and_isolation():
    """Closeout reminders for active permits near their end; isolation reminders for points left unverified."""
    from .services.reminders import permits_remind_closeout_and_isolation

    return permits_remind_closeout_and_isolation()


@periodic_job("ptw_check_expiring_permits", schedule=crontab(minute="*/15"), schedule_label=_("every 15 minutes"),
              addon="ohms_ptw", label=_("Notify permits expiring soon"), **RETRIES)
def check_expiring_permits():
    """Approved or active permits ending within PTW_EXPIRING_SOON_HOURS (once per permit within the cooldown)."""
    from .services.reminders import permits_notify_expiring_soon

    return permits_notify_expiring_soon()
