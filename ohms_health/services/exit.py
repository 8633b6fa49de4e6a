"""Exit examinations (SPEC 3.4): create, edit, the seven-step workflow, reminders, fitness.

Why one service module: every path (REST action, admin button, generic transition URL, the
regulatory add-on's CNSS job) runs ``exit_exam_transition``, which writes the step's data
and runs the core transition in one transaction, so a refused gate leaves nothing half
written and every step gets its log row, history, audit and event.

Audit rows of this medical record name the changed fields, never their content
(DECISIONS 12), like ``services.records``.
"""
from __future__ import annotations

import functools
import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ohms_core import events, workflows
from ohms_core.context import get_context
from ohms_core.exceptions import ConflictError
from ohms_core.models import AuditAction, Membership
from ohms_core.roles import Role
from ohms_core.services.audit import audit_record

from ..models import ExamType, ExitExamination, ExitExamReminder, MedicalExamination
from ..models.exit import CERTIFIED_STATES, OPEN_STATES
from . import exit_booking
from .medical import BLOCKING_CHECKS, require_medical_role

#: Reminders go out this many days before the exit date (SPEC 3.4).
REMINDER_DAYS = (30, 14, 7)
REMINDER_EVENT = "health.exitexamination.reminder"

#: Editable fields of an exit exam (status and the certificate only move through transitions).
EDITABLE_FIELDS = ("exit_date", "scheduled_exam_at", "clinician", "findings", "fitness_outcome", "restrictions",
                   "disease_result", "disease_notes", "cnss_reference", "follow_up_required", "follow_up_date")
#: What the certificate states: frozen once it is issued (a new outcome needs a new exam).
CERTIFIED_FIELDS = ("exit_date", "findings", "fitness_outcome", "restrictions", "disease_result")

#: The data each step's REST action accepts (the admin edits the same fields on the form).
STEP_FIELDS = {
    "schedule": ("scheduled_exam_at", "clinician"),
    "complete": ("findings", "fitness_outcome", "restrictions"),
    "assess_disease": ("disease_result", "disease_notes"),
    "issue_certificate": (),
    "report_cnss": ("cnss_reference",),
    "schedule_follow_up": ("follow_up_date",),
}


def _role() -> str:
    return get_context().role or ""


def exit_exam_create(*, organization, data: dict, user, role: str, system: bool = False) -> ExitExamination:
    """A new exit exam, pending. One per worker, deleted ones included (restore it instead).
    The exit date defaults to the worker's (core ``Worker.exit_date``). ``system``: the
    daily job opening exams, acting for nobody."""
    if not system:
        require_medical_role(role)
    data = dict(data)
    if not data.get("exit_date") and getattr(data.get("worker"), "exit_date", None):
        data["exit_date"] = data["worker"].exit_date
    unknown = set(data) - {"worker", *EDITABLE_FIELDS}
    if unknown:
        raise ValueError(f"not exit exam fields: {sorted(unknown)}")
    worker = data.get("worker")
    if worker is not None and ExitExamination.all_objects.filter(worker=worker).exists():
        raise ValidationError({"worker": [_("This worker already has an exit examination.")]})
    with transaction.atomic():
        exam = ExitExamination(organization=organization, **data)
        exam.full_clean(exclude=["status"])  # protected FSM field: never assigned, not even by clean
        exam.created_by = user
        exam.save()
        audit_record(action=AuditAction.CREATE, obj=exam, user=user, organization=organization,
                     changes={"fields": sorted(data)})
    return exam


def _write(locked: ExitExamination, data: dict, user) -> list[str]:
    """Set ``data`` on a locked row (validated, certified fields frozen); returns the changed names."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not exit exam fields: {sorted(unknown)}")
    changed = sorted(name for name, value in data.items() if getattr(locked, name) != value)
    if locked.status in CERTIFIED_STATES:
        frozen = [name for name in changed if name in CERTIFIED_FIELDS]
        if frozen:
            raise ValidationError({name: [_("The certificate is issued: this can no longer change.")]
                                   for name in frozen})
    for name in changed:
        setattr(locked, name, data[name])
    if changed:
        locked.full_clean(exclude=["worker", "organization", "status"])
    return changed


def exit_exam_update(*, instance, data: dict, user, role: str, expected_version=None) -> ExitExamination:
    """Edit the exam's fields (409 on a stale version; certified fields frozen)."""
    require_medical_role(role)
    with transaction.atomic():
        locked = ExitExamination.objects.select_for_update().get(pk=instance.pk)
        if expected_version is not None and locked.version != int(expected_version):
            raise ConflictError(errors={"version": [_("current version is %(v)s") % {"v": locked.version}]})
        changed = _write(locked, data, user)
        if changed:
            locked.updated_by = user
            exit_booking.move_on_edit(locked, changed, user)  # a rescheduled exam moves its appointment
            if locked.examination_id and set(changed) & {"findings", "fitness_outcome", "restrictions"}:
                _record_examination(locked, user)  # the exit exam record follows corrections
            locked.save()
            audit_record(action=AuditAction.UPDATE, obj=locked, user=user, organization=locked.organization,
                         changes={"fields": changed})
    return locked


def _record_examination(exam: ExitExamination, user) -> None:
    """Completing the exit exam writes the exit MedicalExamination, so the worker's
    examination history (and the risk score's fitness) includes it."""
    exam_date = timezone.localdate(exam.scheduled_exam_at) if exam.scheduled_exam_at else timezone.localdate()
    record = exam.examination
    if record is None:
        record = MedicalExamination(organization_id=exam.organization_id, worker_id=exam.worker_id,
                                    exam_type=ExamType.EXIT, created_by=user if getattr(user, "pk", None) else None)
    record.exam_date = exam_date
    record.findings = exam.findings
    record.fitness_outcome = exam.fitness_outcome
    record.restrictions = exam.restrictions
    created = record._state.adding
    record.full_clean(exclude=["worker", "organization"])
    record.save()
    audit_record(action=AuditAction.CREATE if created else AuditAction.UPDATE, obj=record, user=user,
                 organization=exam.organization, changes={"fields": ["findings", "fitness_outcome", "restrictions"]})
    exam.examination = record


def _issue_certificate(exam: ExitExamination, user, language: str | None) -> None:
    """Generate the PDF and store it as a restricted core Document linked to the exam."""
    from django.core.files.base import ContentFile

    from ohms_core.models import DocumentType, PrivacyLevel
    from ohms_core.services.documents import document_upload

    from .exit_certificate import certificate_pdf

    now = timezone.now()
    code = getattr(exam.organization, "code", "") or "OHMS"
    exam.certificate_reference = f"EXIT-{code}-{uuid.uuid4().hex[:10].upper()}"
    exam.certificate_issued_at = now
    pdf = certificate_pdf(exam, language=language)
    upload = ContentFile(pdf, name=f"{exam.certificate_reference}.pdf")
    upload.content_type = "application/pdf"
    document = document_upload(organization=exam.organization, user=user if getattr(user, "pk", None) else None, data={
        "title": _("Exit certificate %(reference)s") % {"reference": exam.certificate_reference},
        "document_type": DocumentType.CERTIFICATE, "privacy_level": PrivacyLevel.RESTRICTED,
        "access_logging_required": True, "worker": exam.worker, "file": upload,
    })
    exam.certificate = document


def exit_exam_transition(*, instance, name: str, user, comment: str = "", expected_version=None,
                         data: dict | None = None, language: str | None = None, system: bool = False):
    """Write the step's data (if any) and run transition ``name``, in one transaction.

    The data is saved first so the gates judge it; if the gate refuses, the whole
    transaction (data included) is rolled back and the caller gets the reasons."""
    data = {key: value for key, value in (data or {}).items() if key in STEP_FIELDS.get(name, ())}
    with transaction.atomic():
        if data:
            instance = exit_exam_update(instance=instance, data=data, user=user,
                                        role=Role.ORG_ADMIN if system else _role(),
                                        expected_version=expected_version)
            expected_version = None
        before_save = None
        if name == "schedule":
            def before_save(exam):
                exit_booking.book_on_schedule(exam, user)  # the clinician's appointment, double booking refused
        elif name == "complete":
            def before_save(exam):
                _record_examination(exam, user)
                exit_booking.close_on_complete(exam, user)
        elif name == "issue_certificate":
            def before_save(exam):
                _issue_certificate(exam, user, language)
        return workflows.transition_run(instance=instance, name=name, user=user, comment=comment,
                                        expected_version=expected_version, before_save=before_save, system=system,
                                        event_data={"worker": str(instance.worker_id),
                                                    "exit_date": instance.exit_date.isoformat()})


def transition_services() -> dict:
    """For the manifest: every path runs ``exit_exam_transition``."""
    return {name: functools.partial(exit_exam_transition, name=name) for name in STEP_FIELDS}


# Reads -------------------------------------------------------------------------------

def pending_exams(queryset):
    """Exams still to be done (pending or scheduled), soonest exit first."""
    return queryset.filter(status__in=OPEN_STATES).order_by("exit_date")


def upcoming_exits(queryset, *, days: int = 30, today=None):
    """Workers leaving in the next ``days`` days (today included), soonest first."""
    today = today or timezone.localdate()
    return queryset.filter(exit_date__gte=today, exit_date__lte=today + timedelta(days=days)).order_by("exit_date")


def next_step_reasons(exam: ExitExamination, user) -> tuple[str | None, list[str]]:
    """The next step of the checklist and why it is blocked (empty when it is not)."""
    for option in workflows.transition_options(exam, user):
        if option["system"]:
            continue
        return option["label"], [r["message"] for r in option["reasons"]]
    return None, []


# Opening ------------------------------------------------------------------------------

#: A pending exit exam is opened this many days before the worker's exit date (SPEC 3.4).
OPEN_DAYS_BEFORE = 30


def open_exit_exams(*, today=None, progress=None) -> int:
    """Open a pending exit exam for every active worker whose exit date (core worker
    record) is within the next 30 days and who has none yet. Returns how many."""
    from ohms_core.models import Worker

    today = today or timezone.localdate()
    workers = (Worker.objects.filter(is_active=True, exit_date__gte=today,
                                     exit_date__lte=today + timedelta(days=OPEN_DAYS_BEFORE))
               .exclude(pk__in=ExitExamination.all_objects.values("worker_id"))
               .select_related("organization").order_by("exit_date"))
    opened = 0
    for worker in workers:
        try:
            with transaction.atomic():
                exam = exit_exam_create(organization=worker.organization, user=None, role="", system=True,
                                        data={"worker": worker, "exit_date": worker.exit_date})
        except (IntegrityError, ValidationError):  # opened meanwhile by a person or another run
            continue
        opened += 1
        if progress is not None:
            progress(exam)
    return opened


# Reminders ---------------------------------------------------------------------------

def _medical_officers(organization_ids) -> dict:
    users: dict = {}
    rows = (Membership.objects.filter(organization_id__in=organization_ids, role=Role.MEDICAL_OFFICER,
                                      is_active=True, user__is_active=True)
            .select_related("user"))
    for membership in rows:
        users.setdefault(membership.organization_id, []).append(membership.user)
    return users


def send_exit_exam_reminders(*, today=None, progress=None) -> int:
    """The 30/14/7-day reminders due today, to the organization's medical officers and the
    clinician; each (exam, offset) at most once ever (the ledger's unique key). Exams already
    past the exam itself (certificate issued and later) need no reminder. Returns how many
    reminders went out."""
    from ohms_core.services.notifications import link_for, notification_create

    today = today or timezone.localdate()
    sent = 0
    for days in REMINDER_DAYS:
        exams = list(ExitExamination.objects.filter(exit_date=today + timedelta(days=days))
                     .exclude(status__in=CERTIFIED_STATES).exclude(reminders__days_before=days)
                     .select_related("worker", "worker__contact", "organization", "clinician"))
        officers = _medical_officers({exam.organization_id for exam in exams})
        for exam in exams:
            recipients = {user.pk: user for user in officers.get(exam.organization_id, [])}
            if exam.clinician is not None and exam.clinician.is_active:
                recipients.setdefault(exam.clinician.pk, exam.clinician)
            try:
                with transaction.atomic():
                    ledger = ExitExamReminder.objects.create(organization_id=exam.organization_id,
                                                             exit_examination=exam, days_before=days, sent_on=today)
                    event = events.emit(REMINDER_EVENT, exam, actor=None, organization=exam.organization, data={
                        "days_before": days, "exit_date": exam.exit_date.isoformat(), "status": exam.status})
                    title = _("Exit examination: %(worker)s leaves in %(days)s days (%(date)s)") % {
                        "worker": exam.worker, "days": days, "date": date_format(exam.exit_date, "SHORT_DATE_FORMAT")}
                    message = _("Current step: %(status)s.") % {"status": exam.get_status_display()}
                    count = 0
                    for user in recipients.values():
                        if notification_create(user=user, event=event, title=title[:255], message=message,
                                               link=link_for(exam, user, event), data={"days_before": days}):
                            count += 1
                    ledger.recipients = count
                    ledger.save(update_fields=["recipients"])
            except IntegrityError:  # another run sent this one first
                continue
            sent += 1
            if progress is not None:
                progress(exam, days, len(recipients))
    return sent


# Fitness -----------------------------------------------------------------------------

def exited_check(worker, on):
    """Blocking fitness check: a worker whose exit is done is not fit for work any more
    (the exit date has passed, or it is today and the exit certificate is issued)."""
    exam = (ExitExamination.objects.filter(worker_id=worker.pk, organization_id=worker.organization_id)
            .only("exit_date", "status").first())
    if exam is None:
        # No exit exam (yet): the employment record alone says the worker has gone.
        left = getattr(worker, "exit_date", None)
        if left is not None and left < on:
            return _("Left the company on %(date)s.") % {"date": date_format(left, "SHORT_DATE_FORMAT")}
        return None
    if exam.exit_date < on or (exam.exit_date == on and exam.status in CERTIFIED_STATES):
        return _("Left the company on %(date)s.") % {"date": date_format(exam.exit_date, "SHORT_DATE_FORMAT")}
    return None


if exited_check not in BLOCKING_CHECKS:
    BLOCKING_CHECKS.append(exited_check)


def clinicians_of(organization):
    """Users who may be named examining clinician: the organization's medical officers and admins."""
    return get_user_model().objects.filter(
        ohms_memberships__organization=organization, ohms_memberships__is_active=True,
        ohms_memberships__role__in=(Role.MEDICAL_OFFICER, Role.ORG_ADMIN)).distinct()
