"""``manage.py calculate_worker_risk_profiles`` (SPEC 3.2).

No flags: profiles for the workers who have none. ``--recalculate-all``: every active
worker. ``--worker-id`` / ``--enterprise-id`` narrow the set (a named worker is always
recalculated). Progress is printed after each chunk.
"""
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ohms_core.models import Enterprise, Worker

from ...services.risk import calculate_many, workers_to_calculate


def _uuid(value, label):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise CommandError(_("%(label)s is not a valid id: %(value)s") % {"label": label, "value": value}) from None


class Command(BaseCommand):
    help = "Create missing worker risk profiles, or recalculate them."

    def add_arguments(self, parser):
        parser.add_argument("--recalculate-all", action="store_true", help="Recalculate every active worker.")
        parser.add_argument("--worker-id", help="Only this worker (always recalculated).")
        parser.add_argument("--enterprise-id", help="Only the workers of this enterprise.")

    def handle(self, *args, recalculate_all=False, worker_id=None, enterprise_id=None, **options):
        if worker_id:
            worker_id = _uuid(worker_id, "--worker-id")
            if not Worker.objects.filter(pk=worker_id).exists():
                raise CommandError(_("No worker with id %(id)s.") % {"id": worker_id})
        if enterprise_id:
            enterprise_id = _uuid(enterprise_id, "--enterprise-id")
            if not Enterprise.objects.filter(pk=enterprise_id).exists():
                raise CommandError(_("No enterprise with id %(id)s.") % {"id": enterprise_id})
        workers = workers_to_calculate(recalculate_all=recalculate_all, worker_id=worker_id,
                                       enterprise_id=enterprise_id)

        def progress(done, total):
            self.stdout.write(_("%(done)s/%(total)s workers calculated") % {"done": done, "total": total})

        count = calculate_many(workers, progress=progress)
        self.stdout.write(self.style.SUCCESS(_("%(count)s risk profiles calculated.") % {"count": count}))
