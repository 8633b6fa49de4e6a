"""Demo medical profiles for the demo workers (run by ohms_demo; idempotent).

Fitness used to be a column of the core worker; it now lives here (DECISIONS 12). The
demo keeps every worker able to join permits (fit, fit with restrictions or not assessed).
"""
import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.module_loading import import_string

from ohms_core.context import acting_as
from ohms_core.models import Organization, Worker

from ...models import MedicalProfile, WorkerRiskProfile
from ...services import medical_profile_save, risk

#: Further demo loaders, each ``load(*, organization, user, rng) -> str`` (a one-line summary),
#: run in order after the medical profiles; one module per feature under ``ohms_health.demo``.
DEMO_STEPS: list[str] = [
    "ohms_health.demo.examinations.load",
    "ohms_health.demo.ppe.load",
    "ohms_health.demo.alerts.load",
    "ohms_health.demo.incidents.load",
    "ohms_health.demo.exit.load",
    "ohms_health.demo.appointments.load",
]

ALLERGIES = ["", "", "", "Pénicilline", "Latex"]


class Command(BaseCommand):
    help = "Load occupational-health demo data for the demo organization (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--org", default="SMK")

    def handle(self, *args, **opts):
        organization = Organization.objects.filter(code=opts["org"]).first()
        if organization is None:
            self.stdout.write("Health demo: no demo organization; run ohms_demo first.")
            return
        admin = get_user_model().objects.filter(username="admin@ohms.demo").first()
        rng = random.Random(12)
        with acting_as(organization=organization, user=admin):
            if MedicalProfile.objects.filter(organization=organization).exists():
                self.stdout.write("Health demo: medical profiles already present.")
            else:
                count = 0
                for worker in Worker.objects.filter(organization=organization).order_by("employee_number"):
                    medical_profile_save(worker=worker, user=admin, role="org_admin", data={
                        "fitness_status": rng.choice(["fit", "fit", "fit", "fit_with_restrictions", "unknown"]),
                        "allergies": rng.choice(ALLERGIES),
                    })
                    count += 1
                self.stdout.write(f"Health demo: {count} medical profiles.")
            # Each step is idempotent on its own, so a later add-on version's steps still load.
            for step in DEMO_STEPS:
                self.stdout.write(import_string(step)(organization=organization, user=admin, rng=rng))
            self.stdout.write(risk_profiles_with_trend(organization, admin))


def risk_profiles_with_trend(organization, user) -> str:
    """Risk profiles calculated as of four past dates, their history rows dated accordingly,
    so the trend chart has a story to tell on a fresh demo (runs once)."""
    if WorkerRiskProfile.objects.filter(organization=organization).exists():
        return "Health demo: risk profiles already present."
    workers = list(Worker.objects.filter(organization=organization).select_related("organization"))
    now = timezone.now()
    for days_ago in (90, 60, 30, 0):
        profiles = risk.calculate_profiles(organization=organization, workers=workers, user=user,
                                           on=timezone.localdate() - timedelta(days=days_ago))
        if days_ago:
            WorkerRiskProfile.history.filter(id__in=[p.pk for p in profiles], history_date__gte=now).update(
                history_date=now - timedelta(days=days_ago))
    return f"Health demo: {len(workers)} risk profiles with a 90-day trend."
