"""Views of /api/v1/visitors/: thin, each calls a service or a selector."""
from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from ohms_core.api.views import ScopedModelViewSet, TenantScopedMixin, expected_version
from ohms_core.api.workflow import TransitionsMixin
from ohms_core.models import Site
from ohms_core.scoping import scope_queryset

from .. import selectors
from ..badge import badge_filename, badge_pdf
from ..models import AccessLog, ShiftHandover, SiteNDA, VisitorInvite
from ..services import gate as gate_services
from ..services import handovers as handover_services
from ..services import invites as invite_services
from . import serializers as s


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class VisitorInviteViewSet(TransitionsMixin, ScopedModelViewSet):
    """Invitations; ``sign_nda`` (the host types in the visitor's acceptance, or the visitor
    uses the public link), ``badge`` (PDF), ``check_in``/``check_out`` and the transitions."""

    resource, model = "visitorinvite", VisitorInvite
    serializer_class = s.VisitorInviteSerializer
    action_policy = {"restore": "delete", "badge": "view", "sign_nda": "add", "check_in": "add", "check_out": "add"}
    filterset_fields = {"site": ["exact"], "status": ["exact"], "host": ["exact"], "access_type": ["exact"],
                        "expected_arrival": ["gte", "lte", "date"]}
    search_fields = ["visitor_name", "visitor_company", "visitor_id_number", "purpose"]
    ordering_fields = ["expected_arrival", "expected_departure", "visitor_name", "created_at"]

    def get_queryset(self):
        return super().get_queryset().select_related("site", "host")

    def create_object(self, data):
        return invite_services.invite_create(organization=self.organization, data=data, user=self.request.user)

    @action(detail=True, methods=["post"], serializer_class=s.SignNDASerializer)
    def sign_nda(self, request, pk=None):
        invite = self.get_object()
        data = s.SignNDASerializer(data=request.data)
        data.is_valid(raise_exception=True)
        signature = gate_services.nda_sign(invite=invite, signed_name=data.validated_data["signed_name"],
                                           accepted=data.validated_data["accepted"], ip=client_ip(request),
                                           user=request.user)
        return Response(s.NDASignatureSerializer(signature).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def badge(self, request, pk=None):
        invite = self.get_object()
        response = HttpResponse(badge_pdf(invite), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{badge_filename(invite)}"'
        response["Cache-Control"] = "no-store"
        return response

    def _gate(self, service):
        invite = self.get_object()
        invite = service(instance=invite, user=self.request.user, expected_version=expected_version(self.request))
        return Response(self.get_serializer(invite).data)

    @action(detail=True, methods=["post"], url_path="check_in")
    def check_in(self, request, pk=None):
        return self._gate(gate_services.invite_check_in)

    @action(detail=True, methods=["post"], url_path="check_out")
    def check_out(self, request, pk=None):
        return self._gate(gate_services.invite_check_out)


class _TokenGateView(TenantScopedMixin, APIView):
    """``POST {"token": ...}``: the gate scanner's path. A token unknown in the acting
    organization (another organization's included) is 404."""

    resource = "accesslog"
    service = None

    @extend_schema(request=s.TokenSerializer, responses=s.VisitorInviteSerializer)
    def post(self, request):
        data = s.TokenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invite = selectors.invite_by_token(data.validated_data["token"], organization=self.organization)
        if invite is None:
            raise Http404(_("No invitation has this token."))
        invite = type(self).service(instance=invite, user=request.user)
        return Response(s.VisitorInviteSerializer(invite, context={"organization": self.organization}).data)

    def get_serializer(self, *args, **kwargs):  # schema generation
        return s.TokenSerializer(*args, **kwargs)


class CheckInView(_TokenGateView):
    service = staticmethod(gate_services.invite_check_in)


class CheckOutView(_TokenGateView):
    service = staticmethod(gate_services.invite_check_out)


class SiteNDAViewSet(ScopedModelViewSet):
    resource, model = "sitenda", SiteNDA
    serializer_class = s.SiteNDASerializer
    action_policy = {"restore": "delete", "make_current": "change"}
    filterset_fields = {"site": ["exact"], "is_current": ["exact"], "language": ["exact"]}
    search_fields = ["title"]

    def get_queryset(self):
        return super().get_queryset().select_related("site")

    def create_object(self, data):
        return invite_services.nda_create(organization=self.organization, data=data, user=self.request.user)

    def update_object(self, instance, data):
        make_current = data.pop("is_current", None)
        instance = super().update_object(instance, data)
        if make_current:
            instance = invite_services.nda_make_current(nda=instance, user=self.request.user)
        return instance

    @action(detail=True, methods=["post"])
    def make_current(self, request, pk=None):
        nda = invite_services.nda_make_current(nda=self.get_object(), user=request.user)
        return Response(self.get_serializer(nda).data)


class AccessLogViewSet(TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The gate log, read-only (append-only: written by the gate services). ``walk_in`` logs a
    contractor, a delivery or an employee; ``check_out`` closes a walk-in's entry."""

    resource, model = "accesslog", AccessLog
    serializer_class = s.AccessLogSerializer
    action_policy = {"walk_in": "add", "check_out": "add"}
    filterset_fields = {"site": ["exact"], "access_type": ["exact"], "invite": ["exact"],
                        "check_in_time": ["gte", "lte"], "check_out_time": ["isnull"]}
    search_fields = ["person_name", "person_company", "vehicle"]
    ordering_fields = ["check_in_time", "check_out_time"]

    def get_queryset(self):
        return super().get_queryset().select_related("site")

    @action(detail=False, methods=["post"], serializer_class=s.WalkInSerializer)
    def walk_in(self, request):
        data = s.WalkInSerializer(data=request.data, context={"organization": self.organization})
        data.is_valid(raise_exception=True)
        log = gate_services.walk_in_check_in(organization=self.organization, user=request.user, **data.validated_data)
        return Response(s.AccessLogSerializer(log).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def check_out(self, request, pk=None):
        log = gate_services.access_log_check_out(log=self.get_object(), user=request.user)
        return Response(s.AccessLogSerializer(log).data)


class OnSiteView(TenantScopedMixin, APIView):
    """``GET ?site=<id>``: people on site now with counts by company (the muster list)."""

    resource = "accesslog"

    @extend_schema(parameters=[OpenApiParameter("site", OpenApiTypes.UUID, description="Limit to one site.")],
                   responses=s.OnSiteSerializer)
    def get(self, request):
        site = None
        raw = request.query_params.get("site")
        if raw:
            try:
                site = scope_queryset(Site.objects.all(), organization=self.organization).filter(pk=raw).first()
            except Exception:
                site = None
            if site is None:
                raise serializers.ValidationError({"site": [_("Unknown site.")]})
        result = selectors.on_site(selectors.logs_for(self.organization), site=site)
        return Response({
            "site": str(site.pk) if site else None,
            "total": result.total,
            "by_company": result.by_company,
            "by_access_type": result.by_access_type,
            "people": s.AccessLogSerializer(result.people, many=True).data,
        })


class ShiftHandoverViewSet(ScopedModelViewSet):
    resource, model = "shifthandover", ShiftHandover
    serializer_class = s.ShiftHandoverSerializer
    action_policy = {"restore": "delete", "acknowledge": "add"}
    filterset_fields = {"site": ["exact"], "author": ["exact"], "shift_end": ["gte", "lte"],
                        "acknowledged_at": ["isnull"]}
    search_fields = ["notes"]
    ordering_fields = ["shift_start", "shift_end", "created_at"]

    def get_queryset(self):
        return super().get_queryset().select_related("site", "author", "acknowledged_by")

    def create_object(self, data):
        return handover_services.handover_create(organization=self.organization, data=data, user=self.request.user)

    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """The incoming person acknowledges (any member who can see it but its author)."""
        handover = handover_services.handover_acknowledge(handover=self.get_object(), user=request.user)
        return Response(self.get_serializer(handover).data)
