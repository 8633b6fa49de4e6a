"""Routes of /api/v1/health/ (DECISIONS 11: the occupational-health add-on's root)."""
from rest_framework.routers import DefaultRouter

from . import views as v
from .exit import ExitExaminationViewSet

router = DefaultRouter()
router.register("medical-examinations", v.MedicalExaminationViewSet, basename="medicalexamination")
router.register("exposures", v.ExposureViewSet, basename="exposure")
router.register("worker-risk-profiles", v.WorkerRiskProfileViewSet, basename="workerriskprofile")
router.register("exit-exams", ExitExaminationViewSet, basename="exitexamination")

urlpatterns = router.urls
