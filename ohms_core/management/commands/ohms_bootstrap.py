"""Provision an organization, a project, users, memberships and API tokens.

    manage.py ohms_bootstrap --org KCC --name "Kamoto Copper" --project "Concentrateur" \\
        --user alice@example.org:org_admin --user bob@example.org:approver --json

Idempotent: running it again reuses everything and only prints fresh tokens.
"""
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ohms_core.context import acting_as
from ohms_core.exceptions import OhmsError
from ohms_core.roles import Role
from ohms_core.services.tenancy import (
    membership_upsert,
    organization_get_or_create,
    project_get_or_create,
    user_get_or_create,
)
from ohms_core.services.tokens import token_create


def _user_spec(value: str):
    email, sep, role = value.rpartition(":")
    if not sep or not email or "@" not in email:
        raise CommandError(f"--user expects EMAIL:ROLE, got {value!r}")
    if role not in Role.values:
        raise CommandError(f"Unknown role {role!r}; choose from {', '.join(Role.values)}")
    return email.strip().lower(), role


class Command(BaseCommand):
    help = "Create or reuse an organization, project, users with roles, and print one API token per user."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organization short code, e.g. KCC")
        parser.add_argument("--name", required=True, help="Organization name")
        parser.add_argument("--project", help="Project name (created if missing)")
        parser.add_argument("--user", action="append", default=[], metavar="EMAIL:ROLE", help="Repeatable")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON")

    def handle(self, *args, **opts):
        specs = [_user_spec(v) for v in opts["user"]]
        try:
            with transaction.atomic():
                organization, _ = organization_get_or_create(code=opts["org"], name=opts["name"])
                if not organization.is_active:
                    raise CommandError(
                        f"Organization {organization.code} is deactivated: reactivate it in the admin "
                        "(Organization → Organizations) before provisioning users."
                    )
                with acting_as(organization=organization, reason="ohms_bootstrap"):
                    project = None
                    if opts.get("project"):
                        project, _ = project_get_or_create(organization=organization, name=opts["project"])
                    users = []
                    for email, role in specs:
                        user = user_get_or_create(email=email)
                        membership_upsert(
                            organization=organization, user=user, role=role,
                            projects=[project] if project else None,
                        )
                        _, raw = token_create(user=user, organization=organization, name="ohms_bootstrap", role=role)
                        users.append({"id": user.pk, "email": user.email, "role": role, "token": raw})
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        except OhmsError as exc:
            raise CommandError(exc.message) from exc
        result = {
            "organization": {"id": str(organization.pk), "code": organization.code},
            "project": {"id": str(project.pk), "name": project.name} if project else None,
            "users": users,
        }
        if opts["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(f"Organization {organization.code} ({organization.pk})")
            if project:
                self.stdout.write(f"Project {project.name} ({project.pk})")
            for u in users:
                self.stdout.write(f"{u['email']} [{u['role']}] token: {u['token']}")
