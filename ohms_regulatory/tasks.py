"""Regulatory periodic jobs (thin: each calls a service)."""
from django.utils.translation import gettext_lazy as _

from ohms_core.jobs import crontab, periodic_job


@periodic_job("regulatory_audit_findings_overdue", schedule=crontab(hour="6", minute="30"),
              schedule_label=_("daily at 06:30"), addon="ohms_regulatory",
              label=_("Notify overdue audit findings"))
def audit_findings_overdue():
    """Corrective actions of audit findings past their due date, notified once each, before
    the morning meeting."""
    from .services.audits import findings_overdue_notify

    return findings_overdue_notify()
