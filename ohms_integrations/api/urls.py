"""Routes of /api/v1/integrations/ (DECISIONS 2)."""
from rest_framework.routers import DefaultRouter

from .sync_conflicts import SyncConflictViewSet

router = DefaultRouter()
router.register("sync-conflicts", SyncConflictViewSet, basename="syncconflict")

urlpatterns = router.urls
