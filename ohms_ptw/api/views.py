"""PTW REST endpoints (thin: validate, scope, call the service)."""

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from ohms_core.api.files import FileDownloadMixin
from ohms_core.api.filters import ScopedDjangoFilterBackend
from ohms_core.api.parsers import BoundedJSONParser
from ohms_core.api.views import ScopedModelViewSet, TenantScopedMixin, expected_version
from ohms_core.api.workflow import TransitionsMixin
from ohms_core.files import file_response, safe_extension

from .. import kpis as kpi_selectors
from .. import permit_list, selectors
from ..filters import PermitAuditFilter, PermitFilter
from ..models import (
    CloseoutChecklistTemplate,
    DigitalSignature,
    GasReading,
    IsolationPointLibrary,
    LotoLog,
    LotoProcedure,
    Permit,
    PermitAudit,
    PermitExtension,
    PermitHazard,
    PermitIsolationPoint,
    PermitPhoto,
    PermitType,
    PermitWorker,
    RiskMatrix,
    WorkflowStep,
)
from ..observability import time_endpoint
from ..services import closeout as closeout_services
from ..services import crew as crew_services
from ..services import extensions as extension_services
from ..services import gas as gas_services
from ..services import isolation as isolation_services
from ..services import permits as permit_services
from ..services import photos as photo_services
from ..services import signatures as signature_services
from ..services import workflow as workflow_services
from ..throttles import PERMIT_ACTION_THROTTLES, ActionThrottlesMixin
from . import serializers as s
from .exports import PermitExportsMixin
from .loto import LotoLogPhotoMixin, PermitLotoMixin, scoped_procedure
from .offline import offline_create
from .reports import PermitReportsMixin


# --- configuration --------------------------------------------------------------------
class PermitTypeViewSet(ScopedModelViewSet):
    resource, model = "permittype", PermitType
    serializer_class = s.PermitTypeSerializer
    filterset_fields = ["category", "is_active", "requires_structured_isolation", "requires_gas_testing"]
    search_fields = ["name", "code"]
    ordering_fields = ["name", "category"]


class RiskMatrixViewSet(ScopedModelViewSet):
    resource, model = "riskmatrix", RiskMatrix
    serializer_class = s.RiskMatrixSerializer
    filterset_fields = ["is_active", "is_default"]
    search_fields = ["name"]


class CloseoutTemplateViewSet(ScopedModelViewSet):
    resource, model = "closeouttemplate", CloseoutChecklistTemplate
    serializer_class = s.CloseoutTemplateSerializer
    filterset_fields = ["permit_type", "risk_level", "is_active"]
    search_fields = ["name"]

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("permit_type")


class IsolationPointFilter(filters.FilterSet):
    q = filters.CharFilter(method="filter_q")

    class Meta:
        model = IsolationPointLibrary
        fields = ["project", "site", "asset_tag", "energy_type", "point_type", "is_active"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(point_code__icontains=value) | Q(asset_tag__icontains=value) |
                               Q(location__icontains=value) | Q(description__icontains=value))


class IsolationPointViewSet(ScopedModelViewSet):
    resource, model = "isolationpoint", IsolationPointLibrary
    serializer_class = s.IsolationPointLibrarySerializer
    filterset_class = IsolationPointFilter
    search_fields = ["point_code", "asset_tag", "location"]
    ordering_fields = ["point_code", "asset_tag"]


class LotoProcedureViewSet(ScopedModelViewSet):
    resource, model = "lotoprocedure", LotoProcedure
    serializer_class = s.LotoProcedureSerializer
    filterset_fields = ["asset_tag", "project", "is_active"]
    search_fields = ["asset_tag", "name"]

    def get_base_queryset(self):
        return super().get_base_queryset().prefetch_related("points")


# --- permits --------------------------------------------------------------------------
class PermitViewSet(ActionThrottlesMixin, PermitLotoMixin, PermitExportsMixin, PermitReportsMixin, TransitionsMixin,
                    ScopedModelViewSet):
    """Permits of the caller's organization and projects. Status changes go through the
    state machine only (transitions, workflow/*, update_status)."""

    resource, model = "permit", Permit
    serializer_class = s.PermitSerializer
    filterset_class = PermitFilter
    # The canonical filter does search and ordering too (``search``, ``ordering``): one place, 400 on a bad value.
    filter_backends = [ScopedDjangoFilterBackend]
    action_policy = {
        "restore": "delete", "workflow_initiate": "change", "workflow_verify": "view", "workflow_approve": "view",
        "update_status": "view", "readiness": "view", "extend": "change", "decide_extension": "view", "sign": "view",
        "closeout": "view", "update_closeout": "change", "complete_closeout": "change", "isolation": "view",
        "assign_isolation": "change", "update_isolation": "view", "isolation_certificate": "view",
        "export_pdf": "view", "export_excel": "view", "bulk_export_pdf": "view", "bulk_export_excel": "view",
        "kpis": "view",
        "reports_summary": "view", "reports_exceptions": "view",
        "apply_loto_procedure": "change", "update_isolation_steps": "change",
    }
    action_throttles = PERMIT_ACTION_THROTTLES

    def get_base_queryset(self):
        if getattr(self, "action", None) == "list":  # a plain page, then its counts (permit_list, issue 9 benchmarks)
            return permit_list.list_queryset(super().get_base_queryset())
        if getattr(self, "action", None) == "kpis":  # its reads join what they show: no prefetch (issue 9)
            return super().get_base_queryset()
        return super().get_base_queryset().select_related("permit_type", "project").prefetch_related(
            Prefetch("isolation_points", queryset=PermitIsolationPoint.objects.select_related("point")))

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and getattr(self, "action", None) == "list":
            permit_list.attach_isolation_summaries(page)  # one query for the page's counts
        return page

    def create_object(self, data):
        return permit_services.permit_create(organization=self.organization, data=data, user=self.request.user)

    def update_object(self, instance, data):
        return permit_services.permit_update(permit=instance, data=data, user=self.request.user,
                                             expected_version=expected_version(self.request))

    def _out(self, permit, code=status.HTTP_200_OK):
        permit = self.get_queryset().get(pk=permit.pk)
        return Response(self.get_serializer(permit).data, status=code)

    @extend_schema(request=s.WorkflowInitiateSerializer, responses=s.PermitSerializer)
    @action(detail=True, methods=["post"], url_path="workflow/initiate")
    def workflow_initiate(self, request, pk=None):
        permit = self.get_object()
        payload = s.WorkflowInitiateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        permit = workflow_services.workflow_initiate(permit=permit, user=request.user, comment=payload.validated_data.get("comment", ""),
                                                   verifier=payload.validated_data.get("verifier"),
                                                   approver=payload.validated_data.get("approver"))
        return self._out(permit)

    def _decide(self, request, stage):
        permit = self.get_object()
        payload = s.DecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        permit = workflow_services.workflow_decide(permit=permit, user=request.user, stage=stage, decision=data["decision"],
                                                   comment=data["comment"], expected_version=data.get("version"))
        return self._out(permit)

    @extend_schema(request=s.DecisionSerializer, responses=s.PermitSerializer)
    @action(detail=True, methods=["post"], url_path="workflow/verify")
    def workflow_verify(self, request, pk=None):
        return self._decide(request, "verify")

    @extend_schema(request=s.DecisionSerializer, responses=s.PermitSerializer)
    @action(detail=True, methods=["post"], url_path="workflow/approve")
    def workflow_approve(self, request, pk=None):
        return self._decide(request, "approve")

    @extend_schema(request=s.UpdateStatusSerializer, responses=s.PermitSerializer)
    @action(detail=True, methods=["post"])
    def update_status(self, request, pk=None):
        permit = self.get_object()
        payload = s.UpdateStatusSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        permit = workflow_services.permit_update_status(permit=permit, user=request.user, status=data["status"],
                                                        comment=data["comment"], expected_version=data.get("version"))
        return self._out(permit)

    @action(detail=False, methods=["get"])
    @time_endpoint("kpis")
    def kpis(self, request):
        """SPEC 2.9: counts, overdue figures and the two lists over the permits the list would
        show with the same filters (scoped, canonical ``PermitFilter``); three queries."""
        queryset = self.filter_queryset(self.get_queryset())
        return Response(kpi_selectors.kpis_payload(kpi_selectors.permit_kpis(queryset)))

    @action(detail=True, methods=["get"])
    def readiness(self, request, pk=None):
        """What blocks verify / approve / activate / complete (SPEC 2.12)."""
        self.get_object()  # scoping: 404 across organizations and projects
        permit = selectors.permit_with_checks(pk, organization=self.organization)
        return Response(selectors.permit_readiness(permit, request.user))

    @extend_schema(request=s.ExtendSerializer, responses=s.PermitExtensionSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        permit = self.get_object()
        payload = s.ExtendSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        extension = extension_services.permit_extend(permit=permit, user=request.user, **payload.validated_data)
        return Response(s.PermitExtensionSerializer(extension).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ExtensionDecisionSerializer, responses=s.PermitExtensionSerializer)
    @action(detail=True, methods=["post"])
    def decide_extension(self, request, pk=None):
        permit = self.get_object()
        payload = s.ExtensionDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        extension = get_object_or_404(PermitExtension, pk=payload.validated_data["extension"], permit=permit)
        extension = extension_services.extension_decide(extension=extension, user=request.user,
                                                        approve=payload.validated_data["decision"] == "approve",
                                                     comment=payload.validated_data["comment"])
        return Response(s.PermitExtensionSerializer(extension).data)

    @extend_schema(request=s.SignSerializer, responses=s.DigitalSignatureSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        permit = self.get_object()
        payload = s.SignSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        signature = signature_services.permit_sign(permit=permit, user=request.user, **payload.validated_data)
        return Response(s.DigitalSignatureSerializer(signature).data, status=status.HTTP_201_CREATED)

    # closeout (SPEC 2.6)
    @extend_schema(responses=s.PermitCloseoutSerializer)
    @action(detail=True, methods=["get"])
    def closeout(self, request, pk=None):
        permit = self.get_object()
        record = closeout_services.closeout_get_or_create(permit=permit, user=request.user)
        if record is None:
            return Response({"template_exists": False, "is_complete": True, "missing_items": [], "template_items": []})
        return Response(s.PermitCloseoutSerializer(record).data)

    @extend_schema(request=s.CloseoutUpdateSerializer, responses=s.PermitCloseoutSerializer)
    @action(detail=True, methods=["post"])
    def update_closeout(self, request, pk=None):
        permit = self.get_object()
        payload = s.CloseoutUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        record = closeout_services.closeout_update(permit=permit, user=request.user, checklist=data.get("checklist"),
                                                   remarks=data.get("remarks"), expected_version=data.get("version"))
        return Response(s.PermitCloseoutSerializer(record).data)

    @extend_schema(request=None, responses=s.PermitCloseoutSerializer)
    @action(detail=True, methods=["post"])
    def complete_closeout(self, request, pk=None):
        permit = self.get_object()
        record = closeout_services.closeout_complete(permit=permit, user=request.user)
        return Response(s.PermitCloseoutSerializer(record).data)

    # isolation (SPEC 2.7)
    @action(detail=True, methods=["get"])
    def isolation(self, request, pk=None):
        permit = self.get_object()
        view = isolation_services.isolation_view(permit)
        points = s.PermitIsolationPointSerializer(view.pop("points"), many=True).data
        return Response({"points": points, "items": points, **view})

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], url_path="isolation-certificate")
    def isolation_certificate(self, request, pk=None):
        """Stream the isolation certificate (attachment) to whoever may see the permit.

        Not ``FileDownloadMixin.download``: a permit's "download" would read as the permit
        itself; this names the file. Same checks: the permit's scope (organization and
        project), the role policy, attachment disposition, ``nosniff``.
        """
        permit = self.get_object()
        if not permit.isolation_certificate:
            raise exceptions.NotFound()
        suffix = safe_extension(permit.isolation_certificate.name)
        return file_response(permit.isolation_certificate, filename=f"isolation-certificate-{permit.permit_number}{suffix}")

    @extend_schema(request=s.AssignIsolationSerializer, responses=s.PermitIsolationPointSerializer)
    @action(detail=True, methods=["post"])
    def assign_isolation(self, request, pk=None):
        permit = self.get_object()
        payload = s.AssignIsolationSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        procedure_id = data.pop("loto_procedure_id", None)
        data["loto_procedure"] = scoped_procedure(self, procedure_id) if procedure_id else None
        library_point = None
        if data.pop("library_point_id", None):
            library_point = self.scope_queryset(IsolationPointLibrary.objects.all()).filter(
                pk=request.data.get("library_point_id")).first()
            if library_point is None:
                from rest_framework.exceptions import ValidationError

                raise ValidationError({"library_point_id": ["Unknown isolation point."]})
        point = isolation_services.isolation_assign(permit=permit, user=request.user,
                                                    library_point=library_point, **data)
        return Response(s.PermitIsolationPointSerializer(point).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.UpdateIsolationSerializer, responses=s.PermitIsolationPointSerializer)
    @action(detail=True, methods=["post"])
    def update_isolation(self, request, pk=None):
        permit = self.get_object()
        payload = s.UpdateIsolationSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        point = get_object_or_404(PermitIsolationPoint, pk=data.pop("permit_isolation_point_id"), permit=permit)
        point = isolation_services.isolation_update(permit=permit, point=point, user=request.user,
                                                    expected_version=data.pop("version", None), **data)
        return Response(s.PermitIsolationPointSerializer(point).data)


# --- children -------------------------------------------------------------------------
class PermitScopedChildMixin:
    """Children are visible when their permit is: the models declare
    ``tenancy_project_path = "permit__project"`` and the core scope applies it."""


class GasReadingViewSet(PermitScopedChildMixin, TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Append-only: readings are never edited or deleted; a new reading supersedes."""

    resource, model = "permitchild", GasReading
    serializer_class = s.GasReadingSerializer
    filterset_fields = ["permit", "gas", "safe"]
    ordering_fields = ["tested_at"]

    def get_base_queryset(self):
        return GasReading.objects.select_related("tested_by")

    def create(self, request, *args, **kwargs):
        """201 for a new reading; 200 with the first reading for a retried ``offline_id`` from the
        same device (``X-Device-Id`` header or ``device_id``); 409 for another reading under that id."""
        return offline_create(self, request, gas_services.gas_reading_submit)


class PermitHazardViewSet(PermitScopedChildMixin, ScopedModelViewSet):
    resource, model = "permitchild", PermitHazard
    serializer_class = s.PermitHazardSerializer
    filterset_fields = ["permit", "risk_level"]

    def create_object(self, data):
        permit = data.pop("permit")
        return permit_services.permit_hazard_add(permit=permit, data=data, user=self.request.user)


class PermitWorkerViewSet(PermitScopedChildMixin, ScopedModelViewSet):
    resource, model = "permitchild", PermitWorker
    serializer_class = s.PermitWorkerSerializer
    filterset_fields = ["permit", "worker", "briefed"]

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("worker__contact")

    def create_object(self, data):
        return crew_services.permit_worker_add(permit=data["permit"], worker=data["worker"], user=self.request.user,
                                               crew_role=data.get("role", ""), briefed=data.get("briefed", False))


class PermitPhotoViewSet(FileDownloadMixin, PermitScopedChildMixin, TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         mixins.CreateModelMixin, viewsets.GenericViewSet):
    resource, model = "permitchild", PermitPhoto
    serializer_class = s.PermitPhotoSerializer
    filterset_fields = ["permit", "photo_type"]
    # The bounded JSON parser: depth and size limits hold here too (a deep body is a 400, never a 500).
    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]
    file_inline_images = True  # verified on upload and re-sniffed when served

    def get_base_queryset(self):
        return PermitPhoto.objects.all()

    def create(self, request, *args, **kwargs):
        """201 for a new photo; 200 with the first photo for a retry (same offline id and device,
        or the same bytes on the permit); 409 for other bytes under a used offline id."""
        return offline_create(self, request, photo_services.permit_photo_submit)


class ReadOnlyPermitChildViewSet(PermitScopedChildMixin, TenantScopedMixin, viewsets.ReadOnlyModelViewSet):
    resource = "permitlog"


class PermitAuditViewSet(ReadOnlyPermitChildViewSet):
    model = PermitAudit
    serializer_class = s.PermitAuditSerializer
    filterset_fields = ["permit", "action", "user"]
    filterset_class = PermitAuditFilter
    ordering_fields = ["timestamp"]

    def get_base_queryset(self):
        return PermitAudit.objects.all()


class LotoLogViewSet(LotoLogPhotoMixin, FileDownloadMixin, ReadOnlyPermitChildViewSet):
    """``download`` streams the lock photo evidence: only to members who may see the permit."""

    model = LotoLog
    serializer_class = s.LotoLogSerializer
    filterset_fields = ["permit", "action", "asset_tag"]
    file_field = "photo"
    file_inline_images = True  # re-sniffed when served: only a raster image Pillow recognises is inline
    action_policy = {"download": "view", "photo": "view"}  # photo: who may attach is the service's rule

    def get_base_queryset(self):
        return LotoLog.objects.all()


class PermitIsolationPointViewSet(ReadOnlyPermitChildViewSet):
    """Read here; assign and update through the permit's assign_isolation / update_isolation."""

    resource = "permitchild"
    model = PermitIsolationPoint
    serializer_class = s.PermitIsolationPointSerializer
    filterset_fields = ["permit", "status", "required", "point"]

    def get_base_queryset(self):
        return PermitIsolationPoint.objects.select_related("point")


class DigitalSignatureViewSet(ReadOnlyPermitChildViewSet):
    model = DigitalSignature
    serializer_class = s.DigitalSignatureSerializer
    filterset_fields = ["permit", "meaning", "signatory"]

    def get_base_queryset(self):
        return DigitalSignature.objects.all()


class MyTaskFilter(filters.FilterSet):
    overdue = filters.BooleanFilter(method="filter_overdue")
    group = filters.ChoiceFilter(field_name="step_type", choices=[("verification", "verification"), ("approval", "approval")])

    class Meta:
        model = WorkflowStep
        fields = ["step_type"]

    def filter_overdue(self, queryset, name, value):
        from django.utils import timezone

        return queryset.filter(due_at__lt=timezone.now()) if value else queryset.filter(Q(due_at__gte=timezone.now()) | Q(due_at__isnull=True))


class MyTaskViewSet(TenantScopedMixin, viewsets.ReadOnlyModelViewSet):
    """SPEC 2.4 "my tasks": the caller's pending verification and approval steps."""

    resource, model = "permit", WorkflowStep
    serializer_class = s.WorkflowTaskSerializer
    filterset_class = MyTaskFilter
    search_fields = ["workflow__permit__permit_number", "workflow__permit__title"]
    ordering_fields = ["assigned_at", "due_at"]

    def get_base_queryset(self):
        return WorkflowStep.objects.filter(assignee=self.request.user, status="pending").select_related(
            "workflow__permit__project", "workflow__permit__permit_type").order_by("due_at")
