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


@periodic_job("health_process_occupational_health_events", schedule=crontab(hour="2", minute="0"),
              schedule_label=_("daily at 02:00"), addon="ohms_health",
              label=_("Process occupational-health events"))
def process_occupational_health_events():
    """Every registered processor (``ohms_health.processors``: alerts from recent exams and
    measurements, the exit exams opened and their 30/14/7-day reminders (no separate job:
    one 02:00 run), and the regulatory reports when that add-on is installed), as
    ``manage.py process_occupational_health_events --process-all`` does."""
    from . import processors

    return sum(processors.run_all(days=7).values())


@periodic_job("health_appointment_reminders", schedule=crontab(minute="5"), schedule_label=_("hourly at :05"),
              addon="ohms_health", label=_("Appointment reminders"))
def appointment_reminders():
    """Reminders of the appointments of the next 24 hours, once each (``reminder_sent_at``)."""
    from .services.appointments import appointment_reminders as remind

    return remind()
