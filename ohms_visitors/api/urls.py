"""Routes of /api/v1/visitors/ (SPEC 1.9; contract in issue 11)."""
from django.urls import path
from rest_framework.routers import DefaultRouter

from . import public
from . import views as v

router = DefaultRouter()
router.register("invites", v.VisitorInviteViewSet, basename="visitorinvite")
router.register("ndas", v.SiteNDAViewSet, basename="sitenda")
router.register("access-logs", v.AccessLogViewSet, basename="accesslog")
router.register("shift-handovers", v.ShiftHandoverViewSet, basename="shifthandover")

urlpatterns = [
    path("check-in/", v.CheckInView.as_view(), name="visitors-check-in"),
    path("check-out/", v.CheckOutView.as_view(), name="visitors-check-out"),
    path("on-site/", v.OnSiteView.as_view(), name="visitors-on-site"),
    path("public/nda/", public.nda_page, name="visitors-public-nda"),
    *router.urls,
]
