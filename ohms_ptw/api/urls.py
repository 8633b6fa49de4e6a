"""Routes of /api/v1/ptw/ (SPEC 2, shipped names)."""
from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views as v
from .escalations import EscalationRuleViewSet
from .health import PTWHealthView
from .sync import SyncOfflineDataView

router = DefaultRouter()
router.register("permit-types", v.PermitTypeViewSet, basename="permittype")
router.register("risk-matrices", v.RiskMatrixViewSet, basename="riskmatrix")
router.register("closeout-templates", v.CloseoutTemplateViewSet, basename="closeouttemplate")
router.register("isolation-points", v.IsolationPointViewSet, basename="isolationpoint")
router.register("loto-procedures", v.LotoProcedureViewSet, basename="lotoprocedure")
router.register("permits", v.PermitViewSet, basename="permit")
router.register("gas-readings", v.GasReadingViewSet, basename="gasreading")
router.register("permit-hazards", v.PermitHazardViewSet, basename="permithazard")
router.register("permit-workers", v.PermitWorkerViewSet, basename="permitworker")
router.register("permit-photos", v.PermitPhotoViewSet, basename="permitphoto")
router.register("permit-audits", v.PermitAuditViewSet, basename="permitaudit")
router.register("permit-isolation-points", v.PermitIsolationPointViewSet, basename="permitisolationpoint")
router.register("loto-logs", v.LotoLogViewSet, basename="lotolog")
router.register("signatures", v.DigitalSignatureViewSet, basename="signature")
router.register("my-tasks", v.MyTaskViewSet, basename="mytask")
router.register("escalation-rules", EscalationRuleViewSet, basename="escalationrule")

urlpatterns = router.urls
urlpatterns += [path("health/", PTWHealthView.as_view(), name="ptw-health")]
urlpatterns += [path("sync-offline-data/", SyncOfflineDataView.as_view(), name="ptw-sync-offline-data")]
