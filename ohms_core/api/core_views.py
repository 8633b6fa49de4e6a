"""Core REST resources under /api/v1/core/."""
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from ..context import get_context
from ..files import safe_extension
from ..models import (
    ApiToken,
    AuditLog,
    Contact,
    Document,
    Enterprise,
    Membership,
    Organization,
    Project,
    Site,
    Worker,
)
from ..selectors import documents_visible, organizations_of
from ..services.documents import (
    document_log_access,
    document_new_revision,
    document_set_approval,
    document_upload,
)
from ..services.people import CONTACT_FIELDS, worker_create, worker_update
from ..services.records import record_update
from ..services.tenancy import membership_add, membership_update
from ..services.tokens import token_create, token_revoke
from . import core_serializers as s
from .files import FileDownloadMixin
from .parsers import BoundedJSONParser
from .views import ScopedModelViewSet, TenantScopedMixin, expected_version


class OrganizationViewSet(TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Organizations the user belongs to. Only the acting organization can be changed."""

    resource = "organization"
    model = Organization
    serializer_class = s.OrganizationSerializer
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Organization.objects.none()
        return organizations_of(self.request.user)

    def perform_update(self, serializer):
        if serializer.instance.pk != getattr(self.organization, "pk", None):
            raise exceptions.PermissionDenied(_("Act for this organization (X-OHMS-Organization) to change it."))
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = record_update(
            instance=serializer.instance, data=data, expected_version=expected_version(self.request), user=self.request.user
        )


class SiteViewSet(ScopedModelViewSet):
    resource, model = "site", Site
    serializer_class = s.SiteSerializer
    filterset_fields = ["is_active", "province"]
    search_fields = ["name", "code", "province"]
    ordering_fields = ["name", "code", "created_at"]


class EnterpriseViewSet(ScopedModelViewSet):
    resource, model = "enterprise", Enterprise
    serializer_class = s.EnterpriseSerializer
    filterset_fields = ["is_active", "is_contractor"]
    search_fields = ["name", "code", "cnss_employer_number"]
    ordering_fields = ["name", "code", "created_at"]


class ProjectViewSet(ScopedModelViewSet):
    resource, model = "project", Project
    serializer_class = s.ProjectSerializer
    filterset_fields = ["is_active", "site", "enterprise"]
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "created_at"]


class MembershipViewSet(ScopedModelViewSet):
    resource, model = "membership", Membership
    serializer_class = s.MembershipSerializer
    filterset_fields = ["role", "is_active"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    ordering_fields = ["role", "created_at"]

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user").prefetch_related("projects")

    def create_object(self, data):
        """A new person is added; an existing user of another organization is invited (the
        membership is returned inactive with ``invitation: "pending"`` until they accept)."""
        membership, _invited = membership_add(
            organization=self.organization, email=data.pop("user_email"), role=data["role"],
            projects=data.get("projects"), actor=self.request.user,
        )
        return membership

    def update_object(self, instance, data):
        data.pop("user_email", None)
        return membership_update(instance=instance, data=data, expected_version=expected_version(self.request),
                                 actor=self.request.user)


class ContactFilter(filters.FilterSet):
    class Meta:
        model = Contact
        fields = ["contact_type", "language", "consent_given", "country"]


class ContactViewSet(ScopedModelViewSet):
    resource, model = "contact", Contact
    serializer_class = s.ContactSerializer
    filterset_class = ContactFilter
    search_fields = ["first_name", "last_name", "email", "phone", "medical_record_number"]
    ordering_fields = ["last_name", "first_name", "created_at"]


class WorkerFilter(filters.FilterSet):
    hired_after = filters.DateFilter(field_name="hire_date", lookup_expr="gte")
    hired_before = filters.DateFilter(field_name="hire_date", lookup_expr="lte")
    has_exited = filters.BooleanFilter(field_name="exit_date", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Worker
        fields = ["enterprise", "is_active", "exposure_group", "site"]


class WorkerViewSet(ScopedModelViewSet):
    resource, model = "worker", Worker
    serializer_class = s.WorkerSerializer
    filterset_class = WorkerFilter
    search_fields = ["employee_number", "contact__first_name", "contact__last_name", "job_title"]
    ordering_fields = ["employee_number", "hire_date", "created_at"]

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("contact", "enterprise", "site")

    def create_object(self, data):
        contact_data = {name: data.pop(name) for name in CONTACT_FIELDS if name in data}
        return worker_create(organization=self.organization, data=data, contact_data=contact_data, user=self.request.user)

    def update_object(self, instance, data):
        contact_data = {name: data.pop(name) for name in CONTACT_FIELDS if name in data}
        return worker_update(
            worker=instance, data=data, contact_data=contact_data,
            expected_version=expected_version(self.request), user=self.request.user,
        )


class DocumentFilter(filters.FilterSet):
    current = filters.BooleanFilter(field_name="is_current")

    class Meta:
        model = Document
        fields = ["document_type", "privacy_level", "approval_status", "contact", "worker", "parent"]


class DocumentViewSet(FileDownloadMixin, ScopedModelViewSet):
    resource, model = "document", Document
    serializer_class = s.DocumentSerializer
    filterset_class = DocumentFilter
    search_fields = ["title", "description", "checksum"]
    ordering_fields = ["title", "created_at", "revision"]
    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]
    action_policy = {"restore": "delete", "new_version": "add", "approval": "change", "download": "view"}

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("contact", "worker", "created_by", "approved_by")

    def scope_queryset(self, queryset):
        return documents_visible(super().scope_queryset(queryset), user=self.request.user, role=self.role)

    def create_object(self, data):
        return document_upload(organization=self.organization, data=data, user=self.request.user)

    def update_object(self, instance, data):
        if "file" in data:
            raise exceptions.ValidationError({"file": [_("Upload a new version instead of replacing the file.")]})
        return super().update_object(instance, data)

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        document_log_access(document=instance, user=request.user)
        return Response(self.get_serializer(instance).data)

    def download_filename(self, obj) -> str:
        """The title (not the stored name) with the stored extension."""
        return f"{slugify(obj.title) or 'document'}-r{obj.revision}{safe_extension(obj.file.name)}"

    def on_file_access(self, obj) -> None:
        document_log_access(document=obj, user=self.request.user, download=True)

    def file_checksum(self, obj) -> str:
        return obj.checksum

    @extend_schema(request=s.DocumentRevisionSerializer, responses=s.DocumentSerializer)
    @action(detail=True, methods=["post"])
    def new_version(self, request, pk=None):
        """Upload a new revision of this document."""
        document = self.get_object()
        payload = s.DocumentRevisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        new = document_new_revision(document=document, uploaded=payload.validated_data["file"], user=request.user)
        return Response(self.get_serializer(new).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.DocumentApprovalSerializer, responses=s.DocumentSerializer)
    @action(detail=True, methods=["post"])
    def approval(self, request, pk=None):
        """Approve or reject a document."""
        document = self.get_object()
        payload = s.DocumentApprovalSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        document = document_set_approval(document=document, status=payload.validated_data["approval_status"], user=request.user)
        return Response(self.get_serializer(document).data)


class AuditLogFilter(filters.FilterSet):
    date_from = filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    date_to = filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="lte")

    class Meta:
        model = AuditLog
        fields = ["action", "user", "success", "object_id", "risk_level"]


class AuditLogViewSet(TenantScopedMixin, viewsets.ReadOnlyModelViewSet):
    """The audit trail of the acting organization (read-only, append-only)."""

    resource, model = "auditlog", AuditLog
    serializer_class = s.AuditLogSerializer
    filterset_class = AuditLogFilter
    search_fields = ["object_repr", "username", "object_id"]
    ordering_fields = ["timestamp"]

    def get_base_queryset(self):
        return AuditLog.objects.select_related("content_type")


class ApiTokenViewSet(TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Your API tokens in the acting organization (org admins see everyone's).

    The secret is in the creation response only; DELETE revokes.
    """

    resource, model = "apitoken", ApiToken
    serializer_class = s.ApiTokenSerializer
    filterset_fields = ["role"]
    ordering_fields = ["created_at", "last_used_at"]
    throttle_scope = "tokens"

    def get_base_queryset(self):
        queryset = ApiToken.objects.select_related("user")
        if not get_context().is_admin():
            queryset = queryset.filter(user=self.request.user)
        return queryset

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            token, raw = token_create(
                user=request.user, organization=self.organization, name=data["name"],
                role=data.get("role"), expires_at=data.get("expires_at"),
            )
        out = self.get_serializer(token, context={**self.get_serializer_context(), "raw_token": raw})
        return Response(out.data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        token_revoke(token=instance, user=self.request.user)


