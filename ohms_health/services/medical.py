"""Medical profile use cases: read (role-checked, always audited), save, fitness answer.

Why a service and not a plain queryset: DECISIONS 12 says only medical officers and org
admins read medical content and every read is recorded; putting the check and the audit
row in the one read function means no screen or endpoint can forget either. Audit rows
name the fields that changed, never their values (auditors read the audit log).
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ohms_core.exceptions import NotAllowedError
from ohms_core.models import AuditAction
from ohms_core.providers import Fitness
from ohms_core.roles import Role
from ohms_core.services.audit import audit_record

from ..models import ExamType, FitnessOutcome, FitnessStatus, MedicalExamination, MedicalProfile

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


#: Examinations that decide fitness for work (audiometry or spirometry alone do not).
FITNESS_EXAM_TYPES = (ExamType.PRE_EMPLOYMENT, ExamType.PERIODIC, ExamType.RETURN_TO_WORK)


def exam_series(exam_type: str) -> str:
    """Fitness exams (pre-employment, periodic, return to work) renew one another: one
    series for "due" and "overdue"; every other type (audiometry, spirometry...) is its own."""
    return "fitness" if exam_type in FITNESS_EXAM_TYPES else exam_type


def latest_fitness_examination(worker):
    """The most recent examination that decided fitness for work, or None."""
    return (MedicalExamination.objects.filter(worker_id=worker.pk, organization_id=worker.organization_id,
                                              exam_type__in=FITNESS_EXAM_TYPES)
            .order_by("-exam_date", "-created_at")
            .only("exam_type", "exam_date", "fitness_outcome", "next_due_date").first())


def _short(value) -> str:
    """A date as the reader's locale writes it (29/11/2026): the reasons are read by permit issuers."""
    return date_format(value, "SHORT_DATE_FORMAT")


def worker_fitness(worker, *, on=None) -> Fitness:
    """The fitness provider (``ohms_core.providers``): fit / not fit and why, no medical content.

    The most decisive reason wins: the blocking checks (exit, open emergency alert), then the
    last fitness examination (unfit, or its renewal date passed: no valid periodic exam),
    then the medical profile (a later declaration by the doctor, e.g. temporarily unfit).
    A valid examination or profile answers fit; neither on record answers "unknown".
    """
    on = on or timezone.localdate()
    for check in BLOCKING_CHECKS:
        reason = check(worker, on)
        if reason:
            return Fitness(fit=False, reason=str(reason))
    exam = latest_fitness_examination(worker)
    if exam is not None:
        if exam.fitness_outcome == FitnessOutcome.UNFIT:
            return Fitness(fit=False, reason=_("Declared unfit at the %(exam)s examination of %(date)s.") % {
                "exam": exam.get_exam_type_display().lower(), "date": _short(exam.exam_date)})
        if exam.next_due_date and exam.next_due_date < on:
            return Fitness(fit=False, reason=_("No valid periodic examination: the last one (%(date)s) was due for "
                                               "renewal on %(due)s.") % {"date": _short(exam.exam_date),
                                                                         "due": _short(exam.next_due_date)})
    profile = (MedicalProfile.objects.filter(worker_id=worker.pk, organization_id=worker.organization_id)
               .only("fitness_status", "fitness_valid_until").first())
    profile_valid = (profile is not None and profile.fitness_status != FitnessStatus.UNKNOWN
                     and not (profile.fitness_valid_until and profile.fitness_valid_until < on))
    if profile_valid and profile.fitness_status in (FitnessStatus.TEMPORARILY_UNFIT, FitnessStatus.UNFIT):
        fit, restricted, reason = _ANSWERS[profile.fitness_status]
        return Fitness(fit=fit, reason=str(reason), restricted=restricted)
    if exam is not None:
        restricted = exam.fitness_outcome == FitnessOutcome.FIT_WITH_RESTRICTIONS or (
            profile_valid and profile.fitness_status == FitnessStatus.FIT_WITH_RESTRICTIONS)
        reason = (_("Fit for work with restrictions: ask the medical officer.") if restricted
                  else _("Fit for work (%(exam)s examination of %(date)s).") % {
                      "exam": exam.get_exam_type_display().lower(), "date": _short(exam.exam_date)})
        return Fitness(fit=True, reason=str(reason), restricted=restricted)
    if profile is None or profile.fitness_status == FitnessStatus.UNKNOWN:
        return Fitness(fit=None, reason=str(_("No fitness assessment on record.")))
    if not profile_valid:
        return Fitness(fit=None, reason=str(_("The fitness assessment expired on %(date)s.")
                                            % {"date": _short(profile.fitness_valid_until)}))
    fit, restricted, reason = _ANSWERS[profile.fitness_status]
    return Fitness(fit=fit, reason=str(reason), restricted=restricted)


def fitness_worker_check(worker, *, purpose: str, context=None):
    """Worker check for permits: a worker declared unfit cannot join a crew."""
    from ohms_core.workflows import Reason

    answer = worker_fitness(worker)
    if answer.fit is False:
        yield Reason("worker_not_fit", answer.reason, "crew")
