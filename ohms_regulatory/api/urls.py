"""Routes of /api/v1/regulatory/ (DECISIONS 2)."""
from rest_framework.routers import DefaultRouter

from . import reports

router = DefaultRouter()
router.register("cnss-reports", reports.CNSSReportViewSet, basename="cnssreport")
router.register("drc-reports", reports.DRCReportViewSet, basename="drcreport")
urlpatterns = router.urls
