"""REST exports of permits (SPEC 2.10): one PDF, Excel by filters, bulk PDF ZIP and bulk Excel.

A mixin of the permit viewset so every export runs through the same scoping (organization
and projects) and the same list filterset as the permit list. Thin: pick, format, audit.
"""
from __future__ import annotations

import uuid

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action

from ohms_core import permissions as core_permissions

from .. import conf
from ..exports import bulk
from ..exports.pdf import generate_audit_ready_pdf
from ..exports.selectors import permit_for_export
from ..models import Permit
from ..observability import time_endpoint

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class BulkExportSerializer(serializers.Serializer):
    permit_ids = serializers.ListField(child=serializers.CharField(), required=False, allow_empty=True, max_length=10_000)
    filters = serializers.DictField(required=False)
    detailed = serializers.BooleanField(required=False, default=False)


def attachment(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def _truthy(value) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


class PermitExportsMixin:
    """``export_pdf``, ``export_excel``, ``bulk_export_pdf``, ``bulk_export_excel``."""

    #: The filterset exports parse filters with (None: the viewset's ``filterset_class``).
    export_filterset_class = None
    # Bulk exports are throttled per user (scope "ptw_bulk_export", SPEC 5.3): the viewset's
    # ``action_throttles`` (ohms_ptw.throttles.PERMIT_ACTION_THROTTLES).

    def _export_allowed(self):
        decision = core_permissions.check(user=self.request.user, role=self.role, resource="permitexport", action="view")
        if not decision:
            raise exceptions.PermissionDenied(decision.reason)

    def _export_queryset(self):
        """Scoped permits, without the list's prefetches (the export selector adds its own)."""
        return self.scope_queryset(Permit.objects.all())

    def _export_filterset(self):
        return self.export_filterset_class or getattr(self, "filterset_class", None)

    def _stamp(self) -> str:
        return timezone.localtime().strftime("%Y%m%d-%H%M")

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    @time_endpoint("export_pdf")
    def export_pdf(self, request, pk=None):
        """The audit-ready PDF of one permit (ten sections, QR code to its admin screen)."""
        self._export_allowed()
        permit = permit_for_export(self.get_object().pk, queryset=self._export_queryset())
        data = generate_audit_ready_pdf(permit)
        self.log_fields = {"permit_id": permit.pk, "project_id": permit.project_id, "permit_count": 1,
                           "output_bytes": len(data)}
        bulk.audit_export(permits=[permit], user=request.user, organization=self.organization, kind="pdf")
        return attachment(HttpResponse(data, content_type="application/pdf"), bulk.zip_filename(permit))

    @extend_schema(parameters=[OpenApiParameter("detailed", bool)], responses={(200, XLSX): bytes})
    @action(detail=False, methods=["get"])
    @time_endpoint("export_excel")
    def export_excel(self, request):
        """Permits matching the list filters as one workbook (``?detailed=true``: 5 sheets)."""
        self._export_allowed()
        detailed = _truthy(request.query_params.get("detailed", ""))
        return self._excel(self._select(filters=request.query_params, limit=conf.ptw_setting("PTW_EXCEL_EXPORT_LIMIT")),
                           detailed)

    @extend_schema(request=BulkExportSerializer, responses={(200, "application/zip"): bytes})
    @action(detail=False, methods=["post"])
    @time_endpoint("bulk_export_pdf")
    def bulk_export_pdf(self, request):
        """A ZIP of ``PTW_<number>.pdf``, streamed; ``permit_ids`` take precedence over ``filters``."""
        self._export_allowed()
        payload = self._bulk_payload(request)
        ids = self._select(permit_ids=payload.get("permit_ids"), filters=payload.get("filters"))
        if not ids:
            raise exceptions.ValidationError({"filters": ["No permit matches these filters."]})
        self.log_fields = {"permit_count": len(ids), "detailed": False}
        self._audit(ids, kind="pdf_zip", detailed=False)
        response = StreamingHttpResponse(bulk.stream_pdf_zip(self._export_queryset(), ids), content_type="application/zip")
        return attachment(response, f"permits-{self._stamp()}.zip")

    @extend_schema(request=BulkExportSerializer, responses={(200, XLSX): bytes})
    @action(detail=False, methods=["post"])
    @time_endpoint("bulk_export_excel")
    def bulk_export_excel(self, request):
        """One workbook of the selected or filtered permits (``detailed``: 5 sheets)."""
        self._export_allowed()
        payload = self._bulk_payload(request)
        return self._excel(self._select(permit_ids=payload.get("permit_ids"), filters=payload.get("filters")),
                           payload["detailed"])

    # --- helpers ------------------------------------------------------------------------
    def _bulk_payload(self, request) -> dict:
        serializer = BulkExportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _select(self, *, permit_ids=None, filters=None, limit=None) -> list:
        return bulk.select_permit_ids(self._export_queryset(), permit_ids=permit_ids, filters=filters,
                                      filterset_class=self._export_filterset(), request=self.request,
                                      organization=self.organization, limit=limit)

    def _audit(self, ids, *, kind, detailed):
        permits = self._export_queryset().filter(pk__in=ids).select_related(None).only("pk", "permit_number", "title", "organization_id")
        bulk.audit_export(permits=permits, user=self.request.user, organization=self.organization, kind=kind,
                          detailed=detailed, batch=str(uuid.uuid4()))

    def _excel(self, ids, detailed):
        self.log_fields = {"permit_count": len(ids), "detailed": detailed}
        self._audit(ids, kind="xlsx", detailed=detailed)
        spool = bulk.excel_file(self._export_queryset(), ids, detailed=detailed)
        response = StreamingHttpResponse(bulk.iter_file(spool), content_type=XLSX)
        suffix = "-detailed" if detailed else ""
        return attachment(response, f"permits{suffix}-{self._stamp()}.xlsx")
