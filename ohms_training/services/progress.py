"""Assigning modules, taking them, and scoring quizzes (on the server, never the client).

Why the quiz is scored here: the right answers never leave the server for a taker, so the
score, the pass/fail decision against the module's pass mark and the certificate are all
decided in one transaction from the stored questions. Every attempt is a ``QuizAttempt``.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ohms_core import events, workflows
from ohms_core.exceptions import BusinessRuleError, ConflictError
from ohms_core.services.records import record_create

from ..gates import attempts_left_gate, max_attempts
from ..models import QuizAttempt, TrainingProgress
from ..states import ProgressStatus

ASSIGNED_EVENT = "training.trainingprogress.assigned"


def transition_services():
    """Transitions with their own rules: none yet; every path runs the core transition (pass and
    fail are system-only: only ``quiz_submit`` decides them)."""
    return {}


def progress_transition(*, progress, name: str, user, comment: str = "", expected_version=None):
    return workflows.transition_perform(instance=progress, name=name, user=user, comment=comment,
                                        expected_version=expected_version)


def progress_assign(*, organization, module, worker, user, due_date=None) -> tuple[TrainingProgress, bool]:
    """Assign ``module`` to ``worker``; returns (progress, created). A worker who already has
    the module keeps their progress (a passed or failed one is assigned again for renewal or a
    new cycle; an assigned or in-progress one is left as it is)."""
    existing = TrainingProgress.objects.filter(worker=worker, module=module).first()
    if existing is not None:
        if existing.status in (ProgressStatus.PASSED, ProgressStatus.FAILED):
            existing = workflows.transition_perform(instance=existing, name="reassign", user=user,
                                                    comment=_("Assigned again"))
            return existing, True
        return existing, False
    try:
        with transaction.atomic():
            progress = record_create(model=TrainingProgress, organization=organization, user=user,
                                     data={"worker": worker, "module": module, "due_date": due_date})
            events.emit(ASSIGNED_EVENT, progress, actor=user,
                        data={"module": str(module.pk), "worker": str(worker.pk), "module_title": module.title})
    except IntegrityError:  # assigned meanwhile by another request
        return TrainingProgress.objects.get(worker=worker, module=module), False
    return progress, True


def progress_bulk_assign(*, organization, module, workers, user, due_date=None) -> dict:
    """Assign one module to many workers; returns {"assigned": [progress], "unchanged": [progress]}."""
    assigned, unchanged = [], []
    for worker in workers:
        progress, created = progress_assign(organization=organization, module=module, worker=worker, user=user,
                                            due_date=due_date)
        (assigned if created else unchanged).append(progress)
    return {"assigned": assigned, "unchanged": unchanged}


def quiz_score(quiz, answers) -> Decimal:
    """Percent of questions answered right (two decimals). ``answers`` is one choice index per
    question, in order; a missing or out-of-range answer counts as wrong."""
    questions = quiz.questions or []
    if not questions:
        return Decimal("0")
    right = sum(1 for i, q in enumerate(questions)
                if i < len(answers) and not isinstance(answers[i], bool) and answers[i] == q.get("answer"))
    return (Decimal(right) * 100 / Decimal(len(questions))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _validate_answers(quiz, answers):
    questions = quiz.questions or []
    if not isinstance(answers, list) or any(isinstance(a, bool) or not isinstance(a, int) for a in answers):
        raise ValidationError({"answers": [_("A list of choice indexes (integers) is expected.")]})
    if len(answers) != len(questions):
        raise ValidationError({"answers": [_("Answer every question: %(n)s answers expected, %(got)s given.")
                                           % {"n": len(questions), "got": len(answers)}]})
    for number, (answer, question) in enumerate(zip(answers, questions, strict=True), start=1):
        if not 0 <= answer < len(question.get("choices", [])):
            raise ValidationError({"answers": [_("Question %(n)s: no such choice.") % {"n": number}]})


def quiz_submit(*, quiz, worker, answers, user) -> dict:
    """Score ``answers`` for ``worker`` and move their progress: passed (with a new certificate)
    or failed. An assigned module is started first; a failed one is retaken while attempts
    remain. Returns {"score", "passed", "progress", "certificate"}."""
    from .certificates import certificate_issue

    _validate_answers(quiz, answers)
    module = quiz.module
    progress = TrainingProgress.objects.filter(worker=worker, module=module).first()
    if progress is None:
        raise BusinessRuleError(_("This module is not assigned to you."), code="not_assigned",
                                errors={"quiz": [_("This module is not assigned to you.")]})
    if progress.status == ProgressStatus.PASSED:
        raise ConflictError(_("You already passed this module."), code="already_passed")
    with transaction.atomic():
        if progress.status == ProgressStatus.ASSIGNED:
            progress = workflows.transition_perform(instance=progress, name="start", user=user)
        elif progress.status == ProgressStatus.FAILED:
            reasons = list(attempts_left_gate(progress))
            if reasons:
                raise BusinessRuleError(reasons[0].message, code=reasons[0].code,
                                        errors=workflows.blocked_errors(reasons))
            progress = workflows.transition_perform(instance=progress, name="retake", user=user)
        locked = TrainingProgress.objects.select_for_update().get(pk=progress.pk)
        if locked.attempts >= max_attempts(locked):
            raise BusinessRuleError(_("No attempts left for this quiz."), code="attempts_exhausted",
                                    errors={"quiz": [_("No attempts left for this quiz.")]})
        score = quiz_score(quiz, answers)
        passed = score >= Decimal(module.pass_mark)
        record_create(model=QuizAttempt, organization=quiz.organization, user=user,
                      data={"progress": locked, "quiz": quiz, "answers": list(answers), "score": score,
                            "passed": passed})

        def _record(instance):
            instance.score = score
            instance.attempts = (instance.attempts or 0) + 1

        progress = workflows.transition_run(instance=locked, name="pass_quiz" if passed else "fail_quiz", user=user,
                                            system=True, before_save=_record,
                                            event_data={"score": str(score), "module": module.title})
        certificate = certificate_issue(progress=progress, score=score, user=user) if passed else None
    return {"score": score, "passed": passed, "progress": progress, "certificate": certificate}
