"""Exit examinations (SPEC 3.4): the last medical assessment of a worker leaving the mine.

Why a state machine and not a checklist of booleans: the order matters legally (no
certificate before the occupational-disease check, no certificate at all for an unfit
worker, the CNSS claim only once the medical file is closed), and every step is a
transition with a permission, a gate with a reason, a log row and an event.

The data each step needs (date and clinician, findings and outcome, disease assessment,
follow-up date) lives in plain fields; the gates read them. So a medical officer can fill
the fields in the admin and press the button, or post them with the REST action, and the
same gate decides.
"""
from django.conf import settings
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from ohms_core.models import BaseModel
from ohms_core.roles import Role
from ohms_core.workflows import Reason, StateMachineMixin, gate, role_permission

from .examination import FitnessOutcome


class ExitExamStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    EXAM_SCHEDULED = "exam_scheduled", _("Exam scheduled")
    EXAM_COMPLETE = "exam_complete", _("Exam complete")
    DISEASE_ASSESSMENT = "disease_assessment", _("Disease assessment done")
    CERTIFICATE_ISSUED = "certificate_issued", _("Certificate issued")
    CNSS_REPORTED = "cnss_reported", _("Reported to the CNSS")
    FOLLOW_UP_SCHEDULED = "follow_up_scheduled", _("Follow-up scheduled")


#: The seven steps in the order the checklist shows them.
EXIT_STEPS = tuple(ExitExamStatus.values)
#: States in which the exit certificate exists (the file is closed for the employer).
CERTIFIED_STATES = frozenset({ExitExamStatus.CERTIFICATE_ISSUED, ExitExamStatus.CNSS_REPORTED,
                              ExitExamStatus.FOLLOW_UP_SCHEDULED})
#: States in which the exam itself is still to be done (the "pending exams" list).
OPEN_STATES = (ExitExamStatus.PENDING, ExitExamStatus.EXAM_SCHEDULED)


class DiseaseResult(models.TextChoices):
    NO_DISEASE = "no_disease", _("No occupational disease")
    SUSPECTED = "suspected", _("Occupational disease suspected")
    CONFIRMED = "confirmed", _("Occupational disease confirmed")


MEDICAL_ROLES = (Role.ORG_ADMIN, Role.MEDICAL_OFFICER)
_MEDICAL_ONLY = _("Only medical officers and organization administrators can do this.")


def _medical():
    return role_permission(*MEDICAL_ROLES, message=_MEDICAL_ONLY)


# Gates: pure, on the in-memory object (no queries), so the admin button tooltip, the REST
# 400 and the generic transition URL all give the same reason.

def schedule_ready(exam):
    if exam.scheduled_exam_at is None:
        yield Reason("exam_date_missing", _("Set the date and time of the exit examination."), "schedule")
    if exam.clinician_id is None:
        yield Reason("clinician_missing", _("Name the examining clinician."), "schedule")


def completion_ready(exam):
    if not (exam.findings or "").strip():
        yield Reason("findings_missing", _("Record the medical findings of the examination."), "exam")
    if not exam.fitness_outcome:
        yield Reason("fitness_outcome_missing", _("Record the fitness outcome (fit, fit with restrictions, unfit)."), "exam")
    elif exam.fitness_outcome == FitnessOutcome.FIT_WITH_RESTRICTIONS and not (exam.restrictions or "").strip():
        yield Reason("restrictions_missing", _("Describe the restrictions of a worker fit with restrictions."), "exam")


def disease_assessment_ready(exam):
    if not exam.disease_result:
        yield Reason("disease_result_missing", _("Record the result of the occupational disease check."), "disease")
    elif exam.disease_result != DiseaseResult.NO_DISEASE and not (exam.disease_notes or "").strip():
        yield Reason("disease_notes_missing",
                     _("Describe the suspected or confirmed occupational disease (notes)."), "disease")


def certificate_ready(exam):
    """The exit certificate says the worker leaves fit: refused for an unfit worker (SPEC 3.4)."""
    if exam.fitness_outcome not in (FitnessOutcome.FIT, FitnessOutcome.FIT_WITH_RESTRICTIONS):
        yield Reason("worker_not_fit",
                     _("The exit certificate is issued only to a worker found fit or fit with restrictions."),
                     "certificate")


def follow_up_ready(exam):
    if exam.follow_up_date is None:
        yield Reason("follow_up_date_missing", _("Set the date of the post-employment follow-up."), "follow_up")


class ExitExamination(StateMachineMixin, BaseModel):
    """One exit examination per worker (OneToOne): pending -> exam_scheduled ->
    exam_complete -> disease_assessment -> certificate_issued -> cnss_reported ->
    follow_up_scheduled. Findings and the disease assessment are medical content."""

    worker = models.OneToOneField("ohms_core.Worker", verbose_name=_("worker"), on_delete=models.PROTECT,
                                  related_name="exit_examination")
    exit_date = models.DateField(_("exit date"), db_index=True)
    status = FSMField(_("status"), default=ExitExamStatus.PENDING, choices=ExitExamStatus.choices, protected=True,
                      db_index=True)
    scheduled_exam_at = models.DateTimeField(_("exam date and time"), null=True, blank=True)
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("examining clinician"), null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="+")
    findings = models.TextField(_("medical findings"), blank=True)
    fitness_outcome = models.CharField(_("fitness outcome"), max_length=30, choices=FitnessOutcome.choices, null=True,
                                   blank=True, help_text=_("Empty until the worker is assessed."))
    restrictions = models.TextField(_("restrictions"), blank=True,
                                    help_text=_("Printed on the certificate of a worker fit with restrictions."))
    disease_result = models.CharField(_("occupational disease assessment"), max_length=20,
                                      choices=DiseaseResult.choices, blank=True)
    disease_notes = models.TextField(_("disease assessment notes"), blank=True)
    examination = models.ForeignKey("ohms_health.MedicalExamination", verbose_name=_("examination record"),
                                    null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    editable=False)
    certificate = models.ForeignKey("ohms_core.Document", verbose_name=_("certificate"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+", editable=False)
    certificate_reference = models.CharField(_("certificate reference"), max_length=40, blank=True,
                                             editable=False, db_index=True)
    certificate_issued_at = models.DateTimeField(_("certificate issued at"), null=True, blank=True, editable=False)
    # The regulatory add-on will add the CNSS report link; until then a plain reference.
    cnss_reference = models.CharField(_("CNSS reference"), max_length=100, blank=True)
    follow_up_required = models.BooleanField(_("follow-up required"), default=False)
    follow_up_date = models.DateField(_("follow-up date"), null=True, blank=True)
    # The clinician's appointment booked when the exam is scheduled (services.exit_booking):
    # moved when the exam is rescheduled, closed when it is completed.
    appointment = models.OneToOneField("ohms_health.Appointment", verbose_name=_("appointment"), null=True,
                                       blank=True, on_delete=models.SET_NULL, related_name="exit_examination",
                                       editable=False)

    class Meta:
        verbose_name = _("exit examination")
        verbose_name_plural = _("exit examinations")
        ordering = ["exit_date"]

    def __str__(self):
        return f"{self.worker} – {date_format(self.exit_date, 'SHORT_DATE_FORMAT')}" if self.worker_id else str(_("Exit examination"))

    @property
    def label(self):
        return str(self)

    @transition(field=status, source=ExitExamStatus.PENDING, target=ExitExamStatus.EXAM_SCHEDULED,
                conditions=[gate(schedule_ready)], permission=_medical(),
                custom={"label": _("Schedule exam"), "event": "scheduled"})
    def schedule(self):
        pass

    @transition(field=status, source=ExitExamStatus.EXAM_SCHEDULED, target=ExitExamStatus.EXAM_COMPLETE,
                conditions=[gate(completion_ready)], permission=_medical(),
                custom={"label": _("Complete exam"), "event": "completed"})
    def complete(self):
        pass

    @transition(field=status, source=ExitExamStatus.EXAM_COMPLETE, target=ExitExamStatus.DISEASE_ASSESSMENT,
                conditions=[gate(disease_assessment_ready)], permission=_medical(),
                custom={"label": _("Record disease assessment"), "event": "disease_assessed"})
    def assess_disease(self):
        pass

    @transition(field=status, source=ExitExamStatus.DISEASE_ASSESSMENT, target=ExitExamStatus.CERTIFICATE_ISSUED,
                conditions=[gate(certificate_ready)], permission=_medical(),
                custom={"label": _("Generate certificate"), "event": "certificate_issued"})
    def issue_certificate(self):
        pass

    # Set by ohms_regulatory when the CNSS report is filed (a job / its service, with
    # system=True). Also from disease_assessment: an unfit worker gets no certificate but is
    # exactly the one whose compensation claim must be filed.
    @transition(field=status, source=[ExitExamStatus.DISEASE_ASSESSMENT, ExitExamStatus.CERTIFICATE_ISSUED],
                target=ExitExamStatus.CNSS_REPORTED,
                custom={"label": _("Reported to the CNSS"), "event": "cnss_reported", "system": True})
    def report_cnss(self):
        pass

    @transition(field=status, source=[ExitExamStatus.CERTIFICATE_ISSUED, ExitExamStatus.CNSS_REPORTED],
                target=ExitExamStatus.FOLLOW_UP_SCHEDULED, conditions=[gate(follow_up_ready)],
                permission=_medical(), custom={"label": _("Schedule follow-up"), "event": "follow_up_scheduled"})
    def schedule_follow_up(self):
        self.follow_up_required = True


class ExitExamReminder(models.Model):
    """Ledger of the 30/14/7-day reminders: one row per exam and offset, so a second run
    the same day, a retried job or a catch-up run never sends the same reminder twice.

    Append-only bookkeeping like core's notification ledger, not a business record: no
    history, no soft delete, no screen."""

    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey("ohms_core.Organization", on_delete=models.CASCADE, related_name="+")
    exit_examination = models.ForeignKey(ExitExamination, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField(_("days before exit"))
    sent_on = models.DateField(_("sent on"))
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("exit exam reminder")
        verbose_name_plural = _("exit exam reminders")
        constraints = [models.UniqueConstraint(fields=["exit_examination", "days_before"],
                                               name="ohms_health_exit_reminder_once")]

    def __str__(self):
        return f"{self.exit_examination_id} J-{self.days_before}"
