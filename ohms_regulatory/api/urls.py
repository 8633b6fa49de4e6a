"""Routes of /api/v1/regulatory/ (DECISIONS 2)."""
from rest_framework.routers import DefaultRouter

router = DefaultRouter()
urlpatterns = router.urls
