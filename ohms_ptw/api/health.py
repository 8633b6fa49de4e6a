"""``GET /api/v1/ptw/health/``: the PTW ops health report (SPEC 5.4), for the people who run
the permit system (org admins and safety managers), with a session or a bearer token.

Thin: scope, then ``ohms_ptw.health.ptw_health``. Another organization's figures never
enter: exports are counted for the acting organization, overdue permits over the
caller's scoped permits (a member limited to projects sees their projects' figures).
"""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ohms_core import permissions as policy
from ohms_core.api.views import TenantScopedMixin
from ohms_core.context import get_context

from ..health import ptw_health
from ..models import Permit

RESOURCE = "ptwhealth"


class CanManagePermits(BasePermission):
    """The roles that run the permit system (``ptwhealth`` in ``ohms_ptw.permissions``)."""

    message = _("Only organization admins and safety managers can see the permit system's health.")

    def has_permission(self, request, view):
        decision = policy.check(user=request.user, role=get_context().role, resource=RESOURCE, action=policy.VIEW)
        return decision.allowed


_count = serializers.IntegerField(allow_null=True)


@extend_schema(responses=inline_serializer("PTWHealth", {
    "as_of": serializers.DateTimeField(),
    "sync": inline_serializer("PTWHealthSync", {"conflicts_last_24h": _count, "applied_last_24h": _count,
                                                "rejected_last_24h": _count}),
    "exports": inline_serializer("PTWHealthExports", {"bulk_exports_last_24h": _count}),
    "workflow": inline_serializer("PTWHealthWorkflow", {"overdue_verification": _count, "overdue_approval": _count}),
    "jobs": inline_serializer("PTWHealthJob", {
        "name": serializers.CharField(), "last_run_at": serializers.DateTimeField(allow_null=True),
        "last_success_at": serializers.DateTimeField(allow_null=True),
        "last_error": serializers.CharField(allow_null=True), "last_duration_ms": _count}, many=True),
}))
class PTWHealthView(TenantScopedMixin, APIView):
    permission_classes = [IsAuthenticated, CanManagePermits]
    resource = RESOURCE

    def get(self, request):
        permits = self.scope_queryset(Permit.objects.all())
        return Response(ptw_health(organization=self.organization, permits=permits))
