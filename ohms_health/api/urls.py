"""Routes of /api/v1/health/ (DECISIONS 11: the occupational-health add-on's root)."""
from rest_framework.routers import DefaultRouter

from . import alerts, incidents
from . import views as v
from .exit import ExitExaminationViewSet

router = DefaultRouter()
router.register("medical-examinations", v.MedicalExaminationViewSet, basename="medicalexamination")
router.register("exposures", v.ExposureViewSet, basename="exposure")
router.register("worker-risk-profiles", v.WorkerRiskProfileViewSet, basename="workerriskprofile")
router.register("overexposure-alerts", alerts.OverexposureAlertViewSet, basename="overexposurealert")
router.register("alert-thresholds", alerts.AlertThresholdViewSet, basename="alertthreshold")
router.register("incidents", incidents.IncidentViewSet, basename="incident")
router.register("incident-injuries", incidents.IncidentInjuryViewSet, basename="incidentinjury")
router.register("corrective-actions", incidents.CorrectiveActionViewSet, basename="correctiveaction")
router.register("occupational-diseases", incidents.OccupationalDiseaseViewSet, basename="occupationaldisease")
router.register("exit-exams", ExitExaminationViewSet, basename="exitexamination")

urlpatterns = router.urls

from . import appointments as appointments_api  # noqa: E402
from . import ppe as ppe_api  # noqa: E402

router.register("ppe-items", ppe_api.PPEItemViewSet, basename="ppeitem")
router.register("ppe-compliance", ppe_api.PPEComplianceViewSet, basename="ppecompliancerecord")
router.register("appointments", appointments_api.AppointmentViewSet, basename="appointment")
router.register("transactions", appointments_api.TransactionViewSet, basename="transaction")
urlpatterns = router.urls
