"""A worker's progress through a module, and the quiz attempts it records.

The state machine (registered with core through the manifest, so the transitions API,
the admin buttons and the generic transition URL all know it):

    assigned -> in_progress            start (the worker, or a coordinator for them)
    in_progress -> passed | failed     pass_quiz / fail_quiz: system only, the server scores
    failed -> in_progress              retake, while attempts remain (gate)
    failed | passed -> assigned        reassign (a coordinator: a new cycle, attempts reset;
                                       used for renewal before the certificate expires)

Progress belongs to the core ``Worker`` (who may have no user account): the quiz is
submitted by the worker's own user, or on paper and typed by a coordinator.
"""
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from ohms_core.models import BaseModel
from ohms_core.roles import Role
from ohms_core.workflows import StateMachineMixin, gate, role_permission

from ..gates import attempts_left_gate
from ..states import ProgressStatus

#: Who runs training for others (assign, reassign, start for a worker): coordinators are
#: the organization's safety managers and admins (no separate role: ohms_core.roles).
COORDINATORS = (Role.ORG_ADMIN, Role.SAFETY_MANAGER)


def _is_own(progress, user) -> bool:
    """The worker taking the module is the acting user (core ``Worker.user``)."""
    return bool(user is not None and getattr(user, "pk", None) and progress.worker.user_id == user.pk)


class TrainingProgress(StateMachineMixin, BaseModel):
    worker = models.ForeignKey("ohms_core.Worker", verbose_name=_("worker"), on_delete=models.PROTECT,
                               related_name="training_progress")
    module = models.ForeignKey("ohms_training.TrainingModule", verbose_name=_("module"), on_delete=models.PROTECT,
                               related_name="progress")
    status = FSMField(_("status"), default=ProgressStatus.ASSIGNED, choices=ProgressStatus.choices, protected=True,
                      db_index=True)
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts in this cycle"), default=0, editable=False)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("training progress")
        verbose_name_plural = _("training progress")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["worker", "module"], condition=Q(is_deleted=False),
                                               name="training_progress_unique_worker_module")]

    def __str__(self):
        return f"{self.worker} — {self.module}"

    def clean(self):
        errors = {}
        if self.organization_id:
            if self.worker_id and self.worker.organization_id != self.organization_id:
                errors["worker"] = _("Choose a worker of this organization.")
            if self.module_id and self.module.organization_id != self.organization_id:
                errors["module"] = _("Choose a module of this organization.")
        if errors:
            raise ValidationError(errors)

    @transition(field=status, source=ProgressStatus.ASSIGNED, target=ProgressStatus.IN_PROGRESS,
                permission=role_permission(*COORDINATORS, allow=_is_own),
                custom={"label": _("Start"), "event": "started"})
    def start(self):
        from django.utils import timezone

        self.started_at = timezone.now()

    @transition(field=status, source=ProgressStatus.IN_PROGRESS, target=ProgressStatus.PASSED,
                custom={"label": _("Pass"), "event": "passed", "system": True})
    def pass_quiz(self):
        from django.utils import timezone

        self.completed_at = timezone.now()

    @transition(field=status, source=ProgressStatus.IN_PROGRESS, target=ProgressStatus.FAILED,
                custom={"label": _("Fail"), "event": "failed", "system": True})
    def fail_quiz(self):
        from django.utils import timezone

        self.completed_at = timezone.now()

    @transition(field=status, source=ProgressStatus.FAILED, target=ProgressStatus.IN_PROGRESS,
                conditions=[gate(attempts_left_gate)], permission=role_permission(*COORDINATORS, allow=_is_own),
                custom={"label": _("Retake"), "event": "retaken"})
    def retake(self):
        pass

    @transition(field=status, source=[ProgressStatus.FAILED, ProgressStatus.PASSED], target=ProgressStatus.ASSIGNED,
                permission=role_permission(*COORDINATORS), custom={"label": _("Assign again"), "event": "reassigned"})
    def reassign(self):
        self.attempts = 0
        self.score = None
        self.started_at = None
        self.completed_at = None


class QuizAttempt(BaseModel):
    """One submitted quiz: the answers given, the score computed on the server, the outcome.
    Append-only (written by ``services.quiz_submit`` only)."""

    progress = models.ForeignKey(TrainingProgress, verbose_name=_("progress"), on_delete=models.PROTECT,
                                 related_name="quiz_attempts")
    quiz = models.ForeignKey("ohms_training.TrainingQuiz", verbose_name=_("quiz"), on_delete=models.PROTECT,
                             related_name="attempts")
    answers = models.JSONField(_("answers"), default=list)
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2)
    passed = models.BooleanField(_("passed"), default=False)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.progress} — {self.score}%"
