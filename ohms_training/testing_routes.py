"""Training add-on objects for the cross-tenant route matrix (``ohms_core.testing_routes``)."""
import uuid
from datetime import timedelta

from django.utils import timezone

from ohms_core.models import Site, Worker
from ohms_core.testing_routes import register_factory, register_route_model

from .models import (
    Certificate,
    QuizAttempt,
    SiteVisitorInduction,
    TrainingModule,
    TrainingProgress,
    TrainingQuiz,
    VisitorInductionAttempt,
)

QUESTIONS = [{"text": "Matrix question?", "choices": ["Yes", "No"], "answer": 0}]

register_factory(TrainingModule, lambda w: TrainingModule.objects.create(
    organization=w.org, title=f"Matrix module {w.seq()}", video_url="https://example.test/video"))
register_factory(TrainingQuiz, lambda w: TrainingQuiz.objects.create(
    organization=w.org, module=w.get(TrainingModule), questions=QUESTIONS))
register_factory(TrainingProgress, lambda w: TrainingProgress.objects.create(
    organization=w.org, worker=w.get(Worker), module=w.get(TrainingModule)))
register_factory(QuizAttempt, lambda w: QuizAttempt.objects.create(
    organization=w.org, progress=w.get(TrainingProgress), quiz=w.get(TrainingQuiz), answers=[0], score=100,
    passed=True))
register_factory(Certificate, lambda w: Certificate.objects.create(
    organization=w.org, worker=w.get(Worker), module=w.get(TrainingModule),
    expires_at=timezone.now() + timedelta(days=365)))
register_factory(SiteVisitorInduction, lambda w: SiteVisitorInduction.objects.create(
    organization=w.org, site=w.get(Site), module=w.get(TrainingQuiz).module))
register_factory(VisitorInductionAttempt, lambda w: VisitorInductionAttempt.objects.create(
    organization=w.org, invite_id=uuid.uuid4(), requirement=w.get(SiteVisitorInduction), quiz=w.get(TrainingQuiz),
    visitor_name="Matrix visitor", answers=[0], score=100, passed=True))

# Custom admin screens reached through an object: the take-the-quiz page and the certificate PDF.
register_route_model("ohms_training_take_quiz", TrainingQuiz, pk_kwarg="quiz_pk")
register_route_model("ohms_training_certificate_download", Certificate)
