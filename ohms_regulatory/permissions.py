"""Who may do what in the regulatory add-on (``ohms_core.permissions``)."""
from ohms_core.roles import Role

# --- CNSS and DRC declarations (SPEC 4.1-4.2) ---------------------------------------------
# Compliance officers and org admins file them and record the authority's answers; the
# safety and medical sides, auditors and integrators follow their status. The declaration
# PDF (it names the worker and, for a disease, the disease) is for the declarants only
# (``api/reports.py``: ``pdf`` needs "change").
DECLARANTS = frozenset({Role.COMPLIANCE_OFFICER, Role.ORG_ADMIN})
DECLARATION_READERS = DECLARANTS | {Role.SAFETY_MANAGER, Role.MEDICAL_OFFICER, Role.AUDITOR, Role.INTEGRATOR}

RESOURCES = {
    "cnssreport": {"view": DECLARATION_READERS, "add": DECLARANTS, "change": DECLARANTS,
                   "delete": frozenset({Role.ORG_ADMIN})},
    "drcreport": {"view": DECLARATION_READERS, "add": DECLARANTS, "change": DECLARANTS,
                  "delete": frozenset({Role.ORG_ADMIN})},
    "regulatorysettings": {"view": DECLARANTS, "add": frozenset({Role.ORG_ADMIN}),
                           "change": frozenset({Role.ORG_ADMIN}), "delete": frozenset({Role.ORG_ADMIN})},
}
