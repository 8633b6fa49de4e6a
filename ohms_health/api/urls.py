"""Routes of /api/v1/health/ (DECISIONS 11: the occupational-health add-on's root)."""
from rest_framework.routers import DefaultRouter

from . import alerts
from . import views as v

router = DefaultRouter()
router.register("medical-examinations", v.MedicalExaminationViewSet, basename="medicalexamination")
router.register("exposures", v.ExposureViewSet, basename="exposure")
router.register("worker-risk-profiles", v.WorkerRiskProfileViewSet, basename="workerriskprofile")
router.register("overexposure-alerts", alerts.OverexposureAlertViewSet, basename="overexposurealert")
router.register("alert-thresholds", alerts.AlertThresholdViewSet, basename="alertthreshold")

urlpatterns = router.urls
