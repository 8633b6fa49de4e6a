"""REST compliance reports (SPEC 4.5): ``permits/reports_summary/`` and ``permits/reports_exceptions/``.

A mixin of the permit viewset, like the KPIs and the exports, so a report runs through the
same scoping (organization and the member's projects) and the same canonical filter as the
permit list. Thin: parse, select (``ohms_ptw.reports``), shape.
"""
from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response

from ohms_core import permissions as core_permissions

from .. import reports
from ..filters import PermitFilterError
from ..models import Permit

REPORT_PARAMETERS = [
    OpenApiParameter("project", str), OpenApiParameter("permit_type", str), OpenApiParameter("status", str),
    OpenApiParameter("date_from", str, description="created_at from (date or ISO date-time; default: 30 days ago)"),
    OpenApiParameter("date_to", str, description="created_at until (inclusive day; default: today)"),
]


class PermitReportsMixin:
    """``reports_summary`` and ``reports_exceptions`` (both ``GET``, list-level)."""

    #: Role rule of the reports (``ohms_ptw.permissions.RESOURCES``).
    report_resource = "permitreport"

    def _report_allowed(self):
        decision = core_permissions.check(user=self.request.user, role=self.role, resource=self.report_resource,
                                          action="view")
        if not decision:
            raise exceptions.PermissionDenied(decision.reason)

    def _report_permits(self, now):
        """The permits of the report and its range; 400 with field errors on a bad filter."""
        self._report_allowed()
        try:
            return reports.report_queryset(self.scope_queryset(Permit.objects.all()), self.request.query_params,
                                           request=self.request, organization=self.organization, now=now)
        except PermitFilterError as exc:
            raise exceptions.ValidationError(exc.errors) from None

    @extend_schema(parameters=REPORT_PARAMETERS)
    @action(detail=False, methods=["get"])
    def reports_summary(self, request):
        """SPEC 4.5: counts by status, overdue, expiring soon, isolation and closeout pending,
        incident rate and top permit types over the filtered permits (default: the last 30 days)."""
        now = timezone.now()
        permits, rng = self._report_permits(now)
        summary = reports.report_summary(permits, now=now, organization=self.organization)
        return Response(reports.summary_payload(summary, rng))

    @extend_schema(parameters=REPORT_PARAMETERS)
    @action(detail=False, methods=["get"])
    def reports_exceptions(self, request):
        """SPEC 4.5: the permits behind each exception, at most ``PTW_REPORT_EXCEPTION_LIMIT``
        (50) per list, oldest first; ``activated_without_verified_isolation`` must be empty."""
        now = timezone.now()
        permits, _rng = self._report_permits(now)
        return Response(reports.exceptions_payload(reports.report_exceptions(permits, now=now), now=now))
