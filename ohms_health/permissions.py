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
# Incidents are safety records, not medical ones: every role that works on safety or reports
# on it reads them (regulatory declarations, audits, integrators); supervisors report them;
# the safety and medical sides investigate. Occupational diseases are medical (MEDICAL).
INCIDENT_INVESTIGATORS = HEALTH_AND_SAFETY
INCIDENT_REPORTERS = INCIDENT_INVESTIGATORS | {Role.AREA_INCHARGE, Role.ISSUER}
INCIDENT_READERS = INCIDENT_REPORTERS | {Role.COMPLIANCE_OFFICER, Role.AUDITOR, Role.INTEGRATOR, Role.APPROVER,
                                        Role.VERIFIER}

RESOURCES = {
    "medicalexamination": {"view": MEDICAL, "add": MEDICAL, "change": MEDICAL, "delete": MEDICAL},
    "exposure": {"view": HEALTH_AND_SAFETY, "add": HEALTH_AND_SAFETY, "change": HEALTH_AND_SAFETY,
                 "delete": MEDICAL},
    "workerriskprofile": {"view": HEALTH_AND_SAFETY, "add": HEALTH_AND_SAFETY, "change": HEALTH_AND_SAFETY,
                          "delete": ADMINS},
    "risksettings": {"view": HEALTH_AND_SAFETY, "add": ADMINS | {Role.MEDICAL_OFFICER},
                     "change": ADMINS | {Role.MEDICAL_OFFICER}, "delete": ADMINS},
    # Overexposure alerts (SPEC 3.3): the medical and safety sides act on them; auditors read.
    "overexposurealert": {"view": HEALTH_AND_SAFETY | {Role.AUDITOR}, "add": HEALTH_AND_SAFETY,
                          "change": HEALTH_AND_SAFETY, "delete": ADMINS},
    "alertthreshold": {"view": HEALTH_AND_SAFETY, "add": ADMINS | {Role.MEDICAL_OFFICER},
                       "change": ADMINS | {Role.MEDICAL_OFFICER}, "delete": ADMINS},
    "incident": {"view": INCIDENT_READERS, "add": INCIDENT_REPORTERS, "change": INCIDENT_INVESTIGATORS,
                 "delete": ADMINS},
    "incidentinjury": {"view": INCIDENT_READERS, "add": INCIDENT_REPORTERS, "change": INCIDENT_INVESTIGATORS,
                       "delete": INCIDENT_INVESTIGATORS},
    "correctiveaction": {"view": INCIDENT_READERS, "add": INCIDENT_INVESTIGATORS, "change": INCIDENT_INVESTIGATORS,
                         "delete": INCIDENT_INVESTIGATORS},
    "occupationaldisease": {"view": MEDICAL, "add": MEDICAL, "change": MEDICAL, "delete": MEDICAL},
    # Exit exams: the medical service runs them; compliance officers (CNSS claims) and safety
    # managers (who is leaving) see the state and outcome, never findings or the disease
    # assessment (the serializer and the inspect screen drop those for them).
    "exitexamination": {"view": MEDICAL | {Role.SAFETY_MANAGER, Role.COMPLIANCE_OFFICER}, "add": MEDICAL,
                        "change": MEDICAL, "delete": ADMINS},
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
