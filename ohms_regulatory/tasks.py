"""Regulatory periodic jobs (thin: each calls a service).

Importing this module (the manifest's ``jobs``) also registers the CNSS and DRC generators
as processors of ``manage.py process_occupational_health_events`` (``ohms_health``), whose
02:00 job runs them with the health add-on's own processors.
"""
from django.utils.translation import gettext_lazy as _

from ohms_core.jobs import crontab, periodic_job

from . import reports_processors  # noqa: F401  (registers --generate-cnss-reports / --generate-drc-reports)


@periodic_job("regulatory_declaration_clocks", schedule=crontab(minute="*/15"), schedule_label=_("every 15 minutes"),
              addon="ohms_regulatory", label=_("Declaration deadlines (statutory clocks)"))
def declaration_clocks():
    """Escalate the declarations at 50 % and 90 % of their statutory delay and at expiry to
    the compliance officers and org admins, once each (``ReportClockNotice`` ledger)."""
    from .services.clocks import clocks_check

    return clocks_check().notified


@periodic_job("regulatory_audit_findings_overdue", schedule=crontab(hour="6", minute="30"),
              schedule_label=_("daily at 06:30"), addon="ohms_regulatory",
              label=_("Notify overdue audit findings"))
def audit_findings_overdue():
    """Corrective actions of audit findings past their due date, notified once each, before
    the morning meeting."""
    from .services.audits import findings_overdue_notify

    return findings_overdue_notify()


@periodic_job("regulatory_policy_review_reminders", schedule=crontab(minute="0", hour="6"), schedule_label=_("daily at 06:00"),
              addon="ohms_regulatory", label=_("Remind policy reviews and acknowledgements"), retries=2, retry_delay=300)
def policy_review_reminders():
    """Before a policy's review date: its owner and the readers who have not acknowledged
    it are reminded once (a second run sends nothing)."""
    from .services.policies import policy_reminders_send

    return policy_reminders_send()
