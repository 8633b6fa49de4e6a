"""Demo medical profiles for the demo workers (run by ohms_demo; idempotent).

Fitness used to be a column of the core worker; it now lives here (DECISIONS 12). The
demo keeps every worker able to join permits (fit, fit with restrictions or not assessed).
"""
import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from ohms_core.context import acting_as
from ohms_core.models import Organization, Worker

from ...models import MedicalProfile
from ...services import medical_profile_save

#: Further demo loaders, each ``load(*, organization, user, rng) -> str`` (a one-line summary),
#: run in order after the medical profiles; one module per feature under ``ohms_health.demo``.
DEMO_STEPS: list[str] = []
DEMO_STEPS.append("ohms_health.demo.ppe.load")
DEMO_STEPS.append("ohms_health.demo.appointments.load")

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
        if MedicalProfile.objects.filter(organization=organization).exists():
            self.stdout.write("Health demo data already present; nothing to do.")
            return
        admin = get_user_model().objects.filter(username="admin@ohms.demo").first()
        rng = random.Random(12)
        count = 0
        with acting_as(organization=organization, user=admin):
            for worker in Worker.objects.filter(organization=organization).order_by("employee_number"):
                medical_profile_save(worker=worker, user=admin, role="org_admin", data={
                    "fitness_status": rng.choice(["fit", "fit", "fit", "fit_with_restrictions", "unknown"]),
                    "allergies": rng.choice(ALLERGIES),
                })
                count += 1
            for step in DEMO_STEPS:
                self.stdout.write(import_string(step)(organization=organization, user=admin, rng=rng))
        self.stdout.write(f"Health demo: {count} medical profiles.")
