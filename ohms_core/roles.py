"""Roles a membership can hold (SPEC DECISIONS 4). Strings live only here."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", _("Organization admin")
    SAFETY_MANAGER = "safety_manager", _("Safety manager")
    PERMIT_REQUESTER = "permit_requester", _("Permit requester")
    VERIFIER = "verifier", _("Verifier")
    APPROVER = "approver", _("Approver")
    ISSUER = "issuer", _("Issuer")
    AREA_INCHARGE = "area_incharge", _("Area in-charge")
    WORKER = "worker", _("Worker")
    MEDICAL_OFFICER = "medical_officer", _("Medical officer")
    COMPLIANCE_OFFICER = "compliance_officer", _("Compliance officer")
    AUDITOR = "auditor", _("Auditor (read-only)")
    INTEGRATOR = "integrator", _("Integrator")


#: Roles that administer an organization (the seeds' "Grade A/B admins").
ADMIN_ROLES = frozenset({Role.ORG_ADMIN, Role.SAFETY_MANAGER})
