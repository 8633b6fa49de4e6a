"""Who may act on the regulatory add-on's records (roles per resource)."""
from ohms_core import permissions as core_permissions
from ohms_core.roles import Role

ALL = core_permissions.ALL_ROLES
NOBODY = frozenset()

RESOURCES = {
    # Policy pages (DECISIONS 13): everyone acknowledges for themselves; the who-has-read
    # report is for the people who run the policies.
    "policyacknowledgement": {"view": ALL, "add": ALL, "change": NOBODY, "delete": NOBODY},
    "policyreport": {"view": frozenset({Role.ORG_ADMIN, Role.SAFETY_MANAGER, Role.COMPLIANCE_OFFICER, Role.AUDITOR}),
                     "add": NOBODY, "change": NOBODY, "delete": NOBODY},
}
