from rest_framework.routers import SimpleRouter

from .notifications import NotificationViewSet

router = SimpleRouter()
router.register("", NotificationViewSet, basename="notification")
urlpatterns = router.urls
