"""Who may do what in the regulatory add-on.

Quality audits and ESG figures are the compliance and safety side's work: compliance
officers, safety managers and org admins manage them; auditors read them. Emission factors
and goals are organization-wide commitments: org admins and compliance officers set them.
"""
from ohms_core.roles import Role

AUDIT_MANAGERS = frozenset({Role.ORG_ADMIN, Role.SAFETY_MANAGER, Role.COMPLIANCE_OFFICER})
AUDIT_READERS = AUDIT_MANAGERS | {Role.AUDITOR, Role.AREA_INCHARGE}
ESG_MANAGERS = frozenset({Role.ORG_ADMIN, Role.COMPLIANCE_OFFICER})
ESG_DATA_ENTRY = ESG_MANAGERS | {Role.SAFETY_MANAGER}
ESG_READERS = ESG_DATA_ENTRY | {Role.AUDITOR, Role.INTEGRATOR}
ADMINS = frozenset({Role.ORG_ADMIN})

RESOURCES = {
    "qualityaudit": {"view": AUDIT_READERS, "add": AUDIT_MANAGERS, "change": AUDIT_MANAGERS, "delete": ADMINS},
    # Owners of corrective actions may be any member; they work through the transitions
    # (the start transition allows the owner), the fields are edited by the managers.
    "auditfinding": {"view": AUDIT_READERS, "add": AUDIT_MANAGERS, "change": AUDIT_MANAGERS,
                     "delete": AUDIT_MANAGERS},
    "emissionfactor": {"view": ESG_READERS, "add": ESG_MANAGERS, "change": ESG_MANAGERS, "delete": ADMINS},
    "activitydata": {"view": ESG_READERS, "add": ESG_DATA_ENTRY, "change": ESG_DATA_ENTRY,
                     "delete": ESG_MANAGERS},
    "sustainabilitygoal": {"view": ESG_READERS, "add": ESG_MANAGERS, "change": ESG_MANAGERS, "delete": ADMINS},
}
