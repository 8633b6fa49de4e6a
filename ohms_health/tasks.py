"""Health periodic jobs (thin: each calls a service)."""
from django.utils.translation import gettext_lazy as _

from ohms_core.jobs import crontab, periodic_job


@periodic_job("health_calculate_worker_risk_profiles", schedule=crontab(hour="3", minute="0"),
              schedule_label=_("daily at 03:00"), addon="ohms_health", label=_("Calculate worker risk profiles"))
def calculate_worker_risk_profiles():
    """Every active worker's risk profile, recalculated so exams falling overdue overnight
    and the past year's exposures move the score without anyone asking."""
    from .services.risk import calculate_many, workers_to_calculate

    return calculate_many(workers_to_calculate(recalculate_all=True))


@periodic_job("health_appointment_reminders", schedule=crontab(minute="5"), schedule_label=_("hourly at :05"),
              addon="ohms_health", label=_("Appointment reminders"))
def appointment_reminders():
    """Reminders of the appointments of the next 24 hours, once each (``reminder_sent_at``)."""
    from .services.appointments import appointment_reminders as remind

    return remind()
