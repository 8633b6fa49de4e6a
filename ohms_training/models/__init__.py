"""Models of the training add-on (SPEC 1.8): modules and their quizzes, each worker's
progress through a module (a state machine), the quiz attempts, and the certificates."""
from .certificates import Certificate, CertificateReminder
from .modules import TrainingModule, TrainingQuiz, validate_questions
from .progress import QuizAttempt, TrainingProgress

__all__ = ["Certificate", "CertificateReminder", "QuizAttempt", "TrainingModule", "TrainingProgress", "TrainingQuiz",
           "validate_questions"]
