"""Demo data of the regulatory add-on (run by ohms_demo; idempotent)."""
import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from ohms_core.context import acting_as
from ohms_core.models import Organization

#: Demo loaders, each ``load(*, organization, user, rng) -> str`` (a one-line summary), run in
#: order; one module per feature under ``ohms_regulatory.demo``, each idempotent on its own.
DEMO_STEPS: list[str] = [
    "ohms_regulatory.demo.audits.load",
    "ohms_regulatory.demo.esg.load",
]


class Command(BaseCommand):
    help = "Load regulatory demo data for the demo organization (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--org", default="SMK")

    def handle(self, *args, **opts):
        organization = Organization.objects.filter(code=opts["org"]).first()
        if organization is None:
            self.stdout.write("Regulatory demo: no demo organization; run ohms_demo first.")
            return
        admin = get_user_model().objects.filter(username="admin@ohms.demo").first()
        rng = random.Random(44)
        with acting_as(organization=organization, user=admin):
            for step in DEMO_STEPS:
                self.stdout.write(import_string(step)(organization=organization, user=admin, rng=rng))
