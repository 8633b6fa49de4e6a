"""Medical profile use cases: read (role-checked, always audited), save, fitness answer.

Why a service and not a plain queryset: DECISIONS 12 says only medical officers and org
admins read medical content and every read is recorded; putting the check and the audit
row in the one read function means no screen or endpoint can forget either. Audit rows
name the fields that changed, never their values (auditors read the audit log).
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core.exceptions import NotAllowedError
from ohms_core.models import AuditAction
from ohms_core.providers import Fitness
from ohms_core.roles import Role
from ohms_core.services.audit import audit_record

from ..models import FitnessStatus, MedicalProfile

#: Who may read or write medical content until the full health add-on brings its own policy.
MEDICAL_READERS = frozenset({Role.ORG_ADMIN, Role.MEDICAL_OFFICER})
MEDICAL_FIELDS = ("fitness_status", "fitness_valid_until", "chronic_conditions", "allergies")


def require_medical_role(role: str) -> None:
    if role not in MEDICAL_READERS:
        raise NotAllowedError(_("Only medical officers and organization administrators can see medical records."))


def medical_profile_read(*, worker, user, role: str) -> MedicalProfile | None:
    """The worker's medical profile for a medical reader; the read is audited."""
    require_medical_role(role)
    profile = MedicalProfile.objects.filter(worker=worker, organization_id=worker.organization_id).first()
    audit_record(action=AuditAction.VIEW, obj=profile or worker, user=user, organization=worker.organization,
                 changes={"medical_profile": True})
    return profile


def medical_profile_save(*, worker, data: dict, user, role: str) -> MedicalProfile:
    """Create or update the profile; the audit row lists changed field names only."""
    require_medical_role(role)
    unknown = set(data) - set(MEDICAL_FIELDS)
    if unknown:
        raise ValueError(f"not medical profile fields: {sorted(unknown)}")
    with transaction.atomic():
        profile = (MedicalProfile.objects.select_for_update()
                   .filter(worker=worker, organization_id=worker.organization_id).first())
        created = profile is None
        if created:
            profile = MedicalProfile(worker=worker, organization_id=worker.organization_id)
        changed = sorted(name for name, value in data.items() if getattr(profile, name) != value)
        for name, value in data.items():
            setattr(profile, name, value)
        profile.full_clean(exclude=["organization", "worker"])
        profile.save()
        audit_record(action=AuditAction.CREATE if created else AuditAction.UPDATE, obj=profile, user=user,
                     organization=worker.organization, changes={"fields": changed})
    return profile


_ANSWERS = {
    FitnessStatus.FIT: (True, False, _("Fit for work.")),
    FitnessStatus.FIT_WITH_RESTRICTIONS: (True, True, _("Fit for work with restrictions: ask the medical officer.")),
    FitnessStatus.TEMPORARILY_UNFIT: (False, False, _("Declared temporarily unfit for work by the medical service.")),
    FitnessStatus.UNFIT: (False, False, _("Declared unfit for work by the medical service.")),
}


#: Checks that can make a worker unfit whatever the medical profile says, in the order they
#: are asked: each is ``check(worker, on) -> str | None`` (the reason, or None when it does not
#: apply). Features of this add-on append theirs (exit, emergency alerts, examinations); the
#: first reason wins, so the answer names the most decisive one.
BLOCKING_CHECKS: list = []


def worker_fitness(worker, *, on=None) -> Fitness:
    """The fitness provider (``ohms_core.providers``): fit / not fit and why, no medical content."""
    on = on or timezone.localdate()
    for check in BLOCKING_CHECKS:
        reason = check(worker, on)
        if reason:
            return Fitness(fit=False, reason=str(reason))
    profile = (MedicalProfile.objects.filter(worker_id=worker.pk, organization_id=worker.organization_id)
               .only("fitness_status", "fitness_valid_until").first())
    if profile is None or profile.fitness_status == FitnessStatus.UNKNOWN:
        return Fitness(fit=None, reason=str(_("No fitness assessment on record.")))
    if profile.fitness_valid_until and profile.fitness_valid_until < on:
        return Fitness(fit=None, reason=str(_("The fitness assessment expired on %(date)s.")
                                            % {"date": profile.fitness_valid_until.isoformat()}))
    fit, restricted, reason = _ANSWERS[profile.fitness_status]
    return Fitness(fit=fit, reason=str(reason), restricted=restricted)


def fitness_worker_check(worker, *, purpose: str, context=None):
    """Worker check for permits: a worker declared unfit cannot join a crew."""
    from ohms_core.workflows import Reason

    answer = worker_fitness(worker)
    if answer.fit is False:
        yield Reason("worker_not_fit", answer.reason, "crew")
