"""Models of the training add-on (SPEC 1.8): modules and their quizzes, each worker's
progress through a module (a state machine), the quiz attempts, and the certificates."""
from .certificates import Certificate, CertificateReminder
from .modules import TrainingModule, TrainingQuiz, validate_questions
from .progress import QuizAttempt, TrainingProgress
from .visitors import SiteVisitorInduction, VisitorInductionAttempt

__all__ = ["Certificate", "CertificateReminder", "QuizAttempt", "SiteVisitorInduction", "TrainingModule",
           "TrainingProgress", "TrainingQuiz", "VisitorInductionAttempt", "validate_questions"]
