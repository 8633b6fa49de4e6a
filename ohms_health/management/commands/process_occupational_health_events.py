"""``manage.py process_occupational_health_events`` (issue 8, SPEC 3.3 and 4.3).

Runs the processors installed add-ons registered in ``ohms_health.processors``:
``--check-recent-exams [--days N]`` raises overexposure alerts from the exams and
measurements of the last N days; ``--generate-cnss-reports`` and ``--generate-drc-reports``
belong to the regulatory add-on (said clearly when it is not installed); ``--process-all``
runs every registered processor. Each run is recorded in core's JobRun; a second run over
the same data creates nothing.
"""
import time
import traceback

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core.models import JobRun

from ... import processors

JOB_NAME = "process_occupational_health_events"


def _dest(flag):
    return flag.replace("-", "_")


class Command(BaseCommand):
    help = "Run the occupational-health event processors (alerts from recent exams, regulatory reports)."

    def add_arguments(self, parser):
        for flag in processors.flags():
            known = processors.KNOWN_FLAGS.get(flag)
            processor = processors.get(flag)
            help_text = str(processor.help if processor else known[1] if known else "")
            parser.add_argument(f"--{flag}", dest=_dest(flag), action="store_true", help=help_text)
        parser.add_argument("--process-all", action="store_true", help="Run every registered processor.")
        parser.add_argument("--days", type=int, default=7, help="Window of recent exams/measurements, in days.")

    def handle(self, *args, **options):
        if options["days"] < 1:
            raise CommandError(_("--days must be at least 1."))
        if options["process_all"]:
            chosen = [p.flag for p in processors.processors()]
        else:
            chosen = [flag for flag in processors.flags() if options.get(_dest(flag))]
        if not chosen:
            raise CommandError(_("Say what to process: %(flags)s or --process-all.")
                               % {"flags": ", ".join(f"--{f}" for f in processors.flags())})
        total = 0
        for flag in chosen:
            processor = processors.get(flag)
            if processor is None:
                addon = processors.KNOWN_FLAGS.get(flag, ("?", ""))[0]
                self.stdout.write(self.style.WARNING(
                    _("--%(flag)s: nothing to run, the %(addon)s add-on is not installed.")
                    % {"flag": flag, "addon": addon}))
                continue
            total += self._run(processor, options)
        self.stdout.write(self.style.SUCCESS(_("Done: %(count)s items produced.") % {"count": total}))

    def _run(self, processor, options) -> int:
        """One JobRun row per processor run, as the scheduled jobs write."""
        self.stdout.write(_("--%(flag)s: running…") % {"flag": processor.flag})
        run = JobRun.objects.create(name=f"{JOB_NAME}:{processor.flag}", trigger="manual")
        started = time.monotonic()
        try:
            count = int(processor.func(days=options["days"], progress=lambda line: self.stdout.write(f"  {line}"))
                        or 0)
        except Exception as exc:
            run.success = False
            run.error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000]
            self._finish(run, started)
            raise CommandError(_("--%(flag)s failed: %(error)s") % {"flag": processor.flag, "error": run.error}) from exc
        run.success, run.items_processed = True, count
        self._finish(run, started)
        self.stdout.write(_("--%(flag)s: %(count)s items produced.") % {"flag": processor.flag, "count": count})
        return count

    @staticmethod
    def _finish(run, started):
        run.finished_at = timezone.now()
        run.duration_ms = int((time.monotonic() - started) * 1000)
        run.save()
