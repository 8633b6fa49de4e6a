"""Who may do what in the regulatory add-on (``ohms_core.permissions``)."""
from ohms_core import permissions as core_permissions
from ohms_core.roles import Role

ADMINS = frozenset({Role.ORG_ADMIN})
ALL = core_permissions.ALL_ROLES
NOBODY = frozenset()

# --- CNSS and DRC declarations (SPEC 4.1-4.2) ---------------------------------------------
# Compliance officers and org admins file them and record the authority's answers; the
# safety and medical sides, auditors and integrators follow their status. The declaration
# PDF (it names the worker and, for a disease, the disease) is for the declarants only
# (``api/reports.py``: ``pdf`` needs "change").
DECLARANTS = frozenset({Role.COMPLIANCE_OFFICER, Role.ORG_ADMIN})
DECLARATION_READERS = DECLARANTS | {Role.SAFETY_MANAGER, Role.MEDICAL_OFFICER, Role.AUDITOR, Role.INTEGRATOR}

# --- Quality audits and ESG (SPEC 4.6-4.7) -------------------------------------------------
# The compliance and safety side's work: compliance officers, safety managers and org admins
# manage audits; auditors and area in-charges read them. Emission factors and goals are
# organization-wide commitments: org admins and compliance officers set them.
AUDIT_MANAGERS = frozenset({Role.ORG_ADMIN, Role.SAFETY_MANAGER, Role.COMPLIANCE_OFFICER})
AUDIT_READERS = AUDIT_MANAGERS | {Role.AUDITOR, Role.AREA_INCHARGE}
ESG_MANAGERS = frozenset({Role.ORG_ADMIN, Role.COMPLIANCE_OFFICER})
ESG_DATA_ENTRY = ESG_MANAGERS | {Role.SAFETY_MANAGER}
ESG_READERS = ESG_DATA_ENTRY | {Role.AUDITOR, Role.INTEGRATOR}

RESOURCES = {
    "cnssreport": {"view": DECLARATION_READERS, "add": DECLARANTS, "change": DECLARANTS, "delete": ADMINS},
    "drcreport": {"view": DECLARATION_READERS, "add": DECLARANTS, "change": DECLARANTS, "delete": ADMINS},
    "regulatorysettings": {"view": DECLARANTS, "add": ADMINS, "change": ADMINS, "delete": ADMINS},
    "qualityaudit": {"view": AUDIT_READERS, "add": AUDIT_MANAGERS, "change": AUDIT_MANAGERS, "delete": ADMINS},
    # Owners of corrective actions may be any member; they work through the transitions
    # (the start transition allows the owner), the fields are edited by the managers.
    "auditfinding": {"view": AUDIT_READERS, "add": AUDIT_MANAGERS, "change": AUDIT_MANAGERS,
                     "delete": AUDIT_MANAGERS},
    "emissionfactor": {"view": ESG_READERS, "add": ESG_MANAGERS, "change": ESG_MANAGERS, "delete": ADMINS},
    "activitydata": {"view": ESG_READERS, "add": ESG_DATA_ENTRY, "change": ESG_DATA_ENTRY,
                     "delete": ESG_MANAGERS},
    "sustainabilitygoal": {"view": ESG_READERS, "add": ESG_MANAGERS, "change": ESG_MANAGERS, "delete": ADMINS},
    # Policy pages (DECISIONS 13): everyone acknowledges for themselves; the who-has-read
    # report is for the people who run the policies.
    "policyacknowledgement": {"view": ALL, "add": ALL, "change": NOBODY, "delete": NOBODY},
    "policyreport": {"view": frozenset({Role.ORG_ADMIN, Role.SAFETY_MANAGER, Role.COMPLIANCE_OFFICER, Role.AUDITOR}),
                     "add": NOBODY, "change": NOBODY, "delete": NOBODY},
}
