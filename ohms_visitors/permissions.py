"""Who may do what on the visitors add-on's resources, read by the registry.

The gate guard has no role of their own: the guard acts as an **area in-charge** (the role
that runs a physical area of the site), with the safety manager and the organization admin
(docs/decisions.md). Every member but the read-only auditor may invite a visitor (the host).
"""
from ohms_core import permissions
from ohms_core.roles import Role

NOBODY = frozenset()
#: Who works the gate: check in/out, walk-ins, shift handovers.
GUARDS = frozenset({Role.AREA_INCHARGE, Role.SAFETY_MANAGER, Role.ORG_ADMIN})
#: Who may invite (be a host).
INVITERS = permissions.ALL_ROLES - {Role.AUDITOR}

RESOURCES = {
    "visitorinvite": {"view": permissions.ALL_ROLES, "add": INVITERS, "change": INVITERS,
                      "delete": permissions.MANAGERS},
    "sitenda": {"view": permissions.ALL_ROLES, "add": permissions.MANAGERS, "change": permissions.MANAGERS,
                "delete": permissions.MANAGERS},
    # Signatures are written by the sign_nda action (host on the visitor's behalf) or the
    # public signing page; never edited.
    "ndasignature": {"view": permissions.ALL_ROLES, "add": INVITERS, "change": NOBODY, "delete": NOBODY},
    # The access log is append-only: only the gate services write it.
    "accesslog": {"view": permissions.ALL_ROLES, "add": GUARDS, "change": NOBODY, "delete": NOBODY},
    "shifthandover": {"view": permissions.ALL_ROLES, "add": GUARDS, "change": GUARDS, "delete": permissions.MANAGERS},
}
