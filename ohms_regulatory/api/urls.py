"""Routes of /api/v1/regulatory/ (DECISIONS 2)."""
from rest_framework.routers import DefaultRouter

from . import audits, esg, reports
from .policies import PolicyAcknowledgementViewSet

router = DefaultRouter()
router.register("cnss-reports", reports.CNSSReportViewSet, basename="cnssreport")
router.register("drc-reports", reports.DRCReportViewSet, basename="drcreport")
router.register("quality-audits", audits.QualityAuditViewSet, basename="qualityaudit")
router.register("audit-findings", audits.AuditFindingViewSet, basename="auditfinding")
router.register("emission-factors", esg.EmissionFactorViewSet, basename="emissionfactor")
router.register("activity-data", esg.ActivityDataViewSet, basename="activitydata")
router.register("sustainability-goals", esg.SustainabilityGoalViewSet, basename="sustainabilitygoal")
router.register("emissions", esg.EmissionsViewSet, basename="emissions")
router.register("policy-acknowledgements", PolicyAcknowledgementViewSet, basename="policyacknowledgement")

urlpatterns = router.urls
