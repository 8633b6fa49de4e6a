"""Routes of /api/v1/regulatory/."""
from rest_framework.routers import DefaultRouter

from . import audits, esg

router = DefaultRouter()
router.register("quality-audits", audits.QualityAuditViewSet, basename="qualityaudit")
router.register("audit-findings", audits.AuditFindingViewSet, basename="auditfinding")
router.register("emission-factors", esg.EmissionFactorViewSet, basename="emissionfactor")
router.register("activity-data", esg.ActivityDataViewSet, basename="activitydata")
router.register("sustainability-goals", esg.SustainabilityGoalViewSet, basename="sustainabilitygoal")
router.register("emissions", esg.EmissionsViewSet, basename="emissions")

urlpatterns = router.urls
