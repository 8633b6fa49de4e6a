"""Who may do what with health records (DECISIONS 12).

Examination content is medical: medical officers and org admins only (the services check
it again, so a screen that forgets the policy still cannot leak it). Exposures are
measurements the safety side takes and acts on, so safety managers work with them too.
Risk profiles summarise both and drive interventions the safety manager organises.
"""
from ohms_core.roles import Role

MEDICAL = frozenset({Role.ORG_ADMIN, Role.MEDICAL_OFFICER})
HEALTH_AND_SAFETY = MEDICAL | {Role.SAFETY_MANAGER}
ADMINS = frozenset({Role.ORG_ADMIN})

RESOURCES = {
    "medicalexamination": {"view": MEDICAL, "add": MEDICAL, "change": MEDICAL, "delete": MEDICAL},
    "exposure": {"view": HEALTH_AND_SAFETY, "add": HEALTH_AND_SAFETY, "change": HEALTH_AND_SAFETY,
                 "delete": MEDICAL},
    "workerriskprofile": {"view": HEALTH_AND_SAFETY, "add": HEALTH_AND_SAFETY, "change": HEALTH_AND_SAFETY,
                          "delete": ADMINS},
    "risksettings": {"view": HEALTH_AND_SAFETY, "add": ADMINS | {Role.MEDICAL_OFFICER},
                     "change": ADMINS | {Role.MEDICAL_OFFICER}, "delete": ADMINS},
}

# PPE (SPEC 3.5): safety managers run the checks with the medical service; the checks are an
# append-only log (no edits), deleted only by org admins and safety managers.
PPE_MANAGERS = frozenset({Role.ORG_ADMIN, Role.SAFETY_MANAGER})
RESOURCES["ppeitem"] = {"view": HEALTH_AND_SAFETY, "add": HEALTH_AND_SAFETY, "change": HEALTH_AND_SAFETY,
                        "delete": PPE_MANAGERS}
RESOURCES["ppecompliancerecord"] = {"view": HEALTH_AND_SAFETY, "add": HEALTH_AND_SAFETY, "change": frozenset(),
                                    "delete": PPE_MANAGERS}
# Appointments and billing (SPEC 3.6): the medical service and org admins; a transaction is
# a ledger line (created, never edited), voided (soft delete) by org admins only.
RESOURCES["appointment"] = {"view": MEDICAL, "add": MEDICAL, "change": MEDICAL, "delete": MEDICAL}
RESOURCES["transaction"] = {"view": MEDICAL, "add": MEDICAL, "change": frozenset(), "delete": ADMINS}
