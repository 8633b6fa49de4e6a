"""Pure checks that block transitions, each yielding ``ohms_core.workflows.Reason``s.
Gates import no services; unit-test them on in-memory objects."""
from django.utils.translation import gettext as _

from ohms_core.workflows import Reason


def max_attempts(progress) -> int:
    """The attempts allowed by the module's quiz (its first one; 1 when it has none)."""
    quizzes = getattr(progress, "_quizzes", None)
    if quizzes is None:
        quizzes = list(progress.module.quizzes.all()[:1])
    return quizzes[0].max_attempts if quizzes else 1


def attempts_left_gate(progress):
    """A failed worker may retake while the quiz's attempts are not used up; after that a
    coordinator assigns the module again (a new cycle)."""
    allowed = max_attempts(progress)
    if progress.attempts >= allowed:
        yield Reason("attempts_exhausted",
                     _("All %(n)s attempts are used: a training coordinator must assign the module again.") % {"n": allowed},
                     "training")


def missing_modules_reasons(missing_titles):
    """The competency answer: one reason naming each module the worker holds no valid certificate for."""
    if missing_titles:
        titles = ", ".join(missing_titles)
        yield Reason("training_missing",
                     _("No valid training certificate for: %(modules)s.") % {"modules": titles},
                     "training", tuple(missing_titles))
