"""Routes of /api/v1/training/ (issue 11: the pinned contract)."""
from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import (
    CertificateVerifyView,
    CertificateViewSet,
    TrainingModuleViewSet,
    TrainingProgressViewSet,
    TrainingQuizViewSet,
    certificate_verify_page,
)

router = DefaultRouter()
router.register("modules", TrainingModuleViewSet, basename="trainingmodule")
router.register("quizzes", TrainingQuizViewSet, basename="trainingquiz")
router.register("progress", TrainingProgressViewSet, basename="trainingprogress")
router.register("certificates", CertificateViewSet, basename="certificate")
urlpatterns = [
    path("certificates/verify/", CertificateVerifyView.as_view(), name="training-certificate-verify"),
    path("verify/", certificate_verify_page, name="training-certificate-verify-page"),
    *router.urls,
]
