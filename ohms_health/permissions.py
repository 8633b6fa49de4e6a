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
    # Exit exams: the medical service runs them; compliance officers (CNSS claims) and safety
    # managers (who is leaving) see the state and outcome, never findings or the disease
    # assessment (the serializer and the inspect screen drop those for them).
    "exitexamination": {"view": MEDICAL | {Role.SAFETY_MANAGER, Role.COMPLIANCE_OFFICER}, "add": MEDICAL,
                        "change": MEDICAL, "delete": ADMINS},
}
