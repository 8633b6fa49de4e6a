"""Routes of /api/v1/core/."""
from rest_framework.routers import DefaultRouter

from . import core_views as v

router = DefaultRouter()
router.register("organizations", v.OrganizationViewSet, basename="organization")
router.register("sites", v.SiteViewSet, basename="site")
router.register("projects", v.ProjectViewSet, basename="project")
router.register("enterprises", v.EnterpriseViewSet, basename="enterprise")
router.register("memberships", v.MembershipViewSet, basename="membership")
router.register("contacts", v.ContactViewSet, basename="contact")
router.register("workers", v.WorkerViewSet, basename="worker")
router.register("documents", v.DocumentViewSet, basename="document")
router.register("audit-log", v.AuditLogViewSet, basename="auditlog")
router.register("tokens", v.ApiTokenViewSet, basename="apitoken")

urlpatterns = router.urls
