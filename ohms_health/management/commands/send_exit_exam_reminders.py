"""``manage.py send_exit_exam_reminders [--date YYYY-MM-DD]`` (SPEC 3.4).

Opens a pending exit exam for workers leaving within 30 days (core worker exit date) and
sends the 30/14/7-day exit examination reminders due on the date (default today), one line
per exam opened or reminder sent, and records the run in JobRun like the daily 02:00 job.
Running it twice does nothing the second time (one exam per worker, the reminder ledger).
"""
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core.models import JobRun

from ...services.exit import open_exit_exams, send_exit_exam_reminders

JOB_NAME = "health_exit_exam_reminders"


class Command(BaseCommand):
    help = "Send the exit examination reminders due today (30, 14 and 7 days before the exit date)."

    def add_arguments(self, parser):
        parser.add_argument("--date", dest="on", help="Act as if today were this date (YYYY-MM-DD).")

    def handle(self, *args, on=None, **options):
        today = _parse(on) if on else timezone.localdate()

        def progress(exam, days, recipients):
            self.stdout.write(_("%(worker)s: exit on %(exit)s, %(days)s-day reminder to %(count)s people") % {
                "worker": exam.worker, "exit": exam.exit_date.isoformat(), "days": days, "count": recipients})

        run = JobRun.objects.create(name=JOB_NAME, trigger="manual")
        started = time.monotonic()
        def opened(exam):
            self.stdout.write(_("%(worker)s: exit exam opened (exit on %(exit)s)") % {
                "worker": exam.worker, "exit": exam.exit_date.isoformat()})

        try:
            count = open_exit_exams(today=today, progress=opened)
            count += send_exit_exam_reminders(today=today, progress=progress)
        except Exception as exc:
            run.success, run.error = False, str(exc)[:4000]
            raise
        else:
            run.success, run.items_processed = True, count
        finally:
            run.finished_at = timezone.now()
            run.duration_ms = int((time.monotonic() - started) * 1000)
            run.save()
        self.stdout.write(self.style.SUCCESS(_("%(count)s exit exams opened or reminders sent for %(date)s.")
                                             % {"count": count, "date": today.isoformat()}))


def _parse(value) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("--date must be YYYY-MM-DD, not %(value)s.") % {"value": value}) from None
