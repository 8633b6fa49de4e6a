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


# --- visitor induction (a site requires visitors to pass a short quiz before check-in) ------
def visitor_attempts_left_gate(*, used: int, allowed: int):
    """A visitor has the quiz's attempts for one invitation, like a worker in one cycle."""
    if used >= allowed:
        yield Reason("induction_attempts_exhausted",
                     _("All %(n)s attempts are used: ask your host to arrange the induction with the site.")
                     % {"n": allowed}, "training")


def visitor_induction_reasons(*, title: str, passed: bool, used: int, allowed: int):
    """The gate's answer for a site that requires the induction: nothing once passed, else a
    reason naming the module (and saying when no attempt is left)."""
    if passed:
        return
    if used >= allowed:
        yield Reason("induction_attempts_exhausted",
                     _("Visitor induction '%(module)s' not passed: all %(n)s attempts are used.")
                     % {"module": title, "n": allowed}, "training", (title,))
    else:
        yield Reason("induction_not_passed", _("Visitor induction '%(module)s' not passed.") % {"module": title},
                     "training", (title,))
