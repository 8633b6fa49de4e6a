"""Manual / cron run of the SPEC 2.8 escalation check, with progress output.

    manage.py ptw_check_escalations

Recorded in JobRun under the hourly job's name (trigger "manual"); idempotent like the job.
"""
import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from ohms_core.context import acting_as
from ohms_core.models import JobRun
from ohms_ptw.services.escalations import escalations_check

JOB_NAME = "ptw_check_overdue_workflow_tasks"


class Command(BaseCommand):
    help = "Escalate verification and approval steps pending past their time limit (needs ESCALATIONS_ENABLED)."

    def handle(self, *args, **opts):
        run = JobRun.objects.create(name=JOB_NAME, trigger="manual")
        started = time.monotonic()
        try:
            with acting_as(reason="ptw_check_escalations"):
                result = escalations_check(progress=self.stdout.write)
        except Exception as exc:
            run.success, run.error = False, f"{exc.__class__.__name__}: {exc}"[:4000]
            raise
        else:
            run.success, run.items_processed = True, result.escalated
        finally:
            run.finished_at = timezone.now()
            run.duration_ms = int((time.monotonic() - started) * 1000)
            run.save()
        self.stdout.write(self.style.SUCCESS(f"Done: {result.escalated} escalated."))
