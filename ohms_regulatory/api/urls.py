"""Routes of /api/v1/regulatory/."""
from rest_framework.routers import DefaultRouter

from .policies import PolicyAcknowledgementViewSet

router = DefaultRouter()
router.register("policy-acknowledgements", PolicyAcknowledgementViewSet, basename="policyacknowledgement")

urlpatterns = router.urls
