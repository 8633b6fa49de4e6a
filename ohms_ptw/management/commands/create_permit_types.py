"""manage.py create_permit_types --org CODE: load the standard permit types (idempotent)."""
from django.core.management.base import BaseCommand, CommandError

from ohms_core.context import acting_as
from ohms_core.models import Organization
from ohms_ptw.services.setup import permit_types_load_defaults


class Command(BaseCommand):
    help = "Create the standard permit types, closeout templates and risk matrix for an organization."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organization short code")

    def handle(self, *args, **opts):
        organization = Organization.objects.filter(code=opts["org"].upper()).first()
        if organization is None:
            raise CommandError(f"Unknown organization {opts['org']}")
        with acting_as(organization=organization, reason="create_permit_types"):
            created = permit_types_load_defaults(organization=organization)
        self.stdout.write(f"{len(created)} permit type(s) created for {organization.code}.")
