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


#: Privilege order of the roles, lowest first; roles on one line are peers. Used where a
#: role must be capped by another ("a token never acts above its member's current role"):
#: the effective role is the lower of the two, the current one on a tie.
ROLE_RANK = {
    Role.AUDITOR: 0,
    Role.WORKER: 1,
    Role.INTEGRATOR: 2,
    Role.PERMIT_REQUESTER: 3,
    Role.VERIFIER: 4, Role.APPROVER: 4, Role.ISSUER: 4, Role.AREA_INCHARGE: 4,
    Role.MEDICAL_OFFICER: 5, Role.COMPLIANCE_OFFICER: 5,
    Role.SAFETY_MANAGER: 6,
    Role.ORG_ADMIN: 7,
}


def role_capped(role: str, ceiling: str) -> str:
    """``role`` limited by ``ceiling``: ``role`` when it ranks strictly below (or equals)
    ``ceiling``, otherwise ``ceiling`` itself (a demoted member's token acts with the new role)."""
    if role == ceiling:
        return role
    return role if ROLE_RANK.get(role, -1) < ROLE_RANK.get(ceiling, -1) else ceiling
