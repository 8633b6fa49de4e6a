"""``manage.py send_exit_exam_reminders [--date YYYY-MM-DD]`` (SPEC 3.4).

Opens a pending exit exam for workers leaving within 30 days (core worker exit date) and
sends the 30/14/7-day exit examination reminders due on the date (default today), one line
per exam opened or reminder sent. The daily run is the 02:00
``process_occupational_health_events`` job (its ``--exit-exam-reminders`` processor); this
command runs the same processor for a chosen date (a catch-up) and records the run in
JobRun under the processor's name. Running it twice does nothing the second time (one
exam per worker, the reminder ledger).
"""
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core.models import JobRun

from ... import processors

JOB_NAME = "process_occupational_health_events:exit-exam-reminders"


class Command(BaseCommand):
    help = "Send the exit examination reminders due today (30, 14 and 7 days before the exit date)."

    def add_arguments(self, parser):
        parser.add_argument("--date", dest="on", help="Act as if today were this date (YYYY-MM-DD).")

    def handle(self, *args, on=None, **options):
        today = _parse(on) if on else timezone.localdate()
        run = JobRun.objects.create(name=JOB_NAME, trigger="manual")
        started = time.monotonic()
        try:
            count = processors.get("exit-exam-reminders").func(today=today, progress=self.stdout.write)
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
