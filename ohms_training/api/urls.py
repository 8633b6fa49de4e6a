"""Routes of /api/v1/training/ (issue 11: the pinned contract)."""
from django.urls import path
from rest_framework.routers import DefaultRouter

from .public import visitor_induction_page
from .views import (
    CertificateVerifyView,
    CertificateViewSet,
    SiteVisitorInductionViewSet,
    TrainingModuleViewSet,
    TrainingProgressViewSet,
    TrainingQuizViewSet,
    VisitorInductionAttemptViewSet,
    certificate_verify_page,
)

router = DefaultRouter()
router.register("modules", TrainingModuleViewSet, basename="trainingmodule")
router.register("quizzes", TrainingQuizViewSet, basename="trainingquiz")
router.register("progress", TrainingProgressViewSet, basename="trainingprogress")
router.register("certificates", CertificateViewSet, basename="certificate")
router.register("site-inductions", SiteVisitorInductionViewSet, basename="sitevisitorinduction")
router.register("visitor-attempts", VisitorInductionAttemptViewSet, basename="visitorinductionattempt")
urlpatterns = [
    path("certificates/verify/", CertificateVerifyView.as_view(), name="training-certificate-verify"),
    path("verify/", certificate_verify_page, name="training-certificate-verify-page"),
    path("visitor-induction/", visitor_induction_page, name="training-visitor-induction"),
    *router.urls,
]
