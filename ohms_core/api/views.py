"""Base views every add-on's API builds on.

``TenantScopedMixin`` resolves the acting organization once per request (from the token,
the ``X-OHMS-Organization`` header or the single membership), puts it in the request
context, and scopes every queryset to it: another organization's object is a 404, and
nothing in a request body can widen the scope.
"""
from __future__ import annotations

from django.conf import settings
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import scoping
from ..context import update_context
from ..models import ApiToken
from ..services.records import record_create, record_restore, record_soft_delete, record_update
from ..tenancy import resolve_tenancy
from .idempotency import IdempotentMixin
from .permissions import RolePermission


def _scoped_filter_backends():
    """The configured backends, django-filter's replaced by the scoped one (``filters``)."""
    from django_filters.rest_framework import DjangoFilterBackend
    from rest_framework.settings import api_settings

    from .filters import ScopedDjangoFilterBackend

    return [ScopedDjangoFilterBackend if backend is DjangoFilterBackend else backend
            for backend in api_settings.DEFAULT_FILTER_BACKENDS]


class TenantScopedMixin(IdempotentMixin):
    permission_classes = [IsAuthenticated, RolePermission]
    filter_backends = _scoped_filter_backends()
    resource: str | None = None
    #: Reads that also need soft-deleted rows (restore).
    all_objects_actions = ("restore",)

    def initial(self, request, *args, **kwargs):
        self.perform_authentication(request)
        if request.user and request.user.is_authenticated:
            token = request.auth if isinstance(request.auth, ApiToken) else None
            hint = "" if token else request.META.get(settings.OHMS_ORGANIZATION_HEADER, "")
            if not hint and token is None and hasattr(request, "session"):
                from ..tenancy import SESSION_KEY

                hint = request.session.get(SESSION_KEY, "")
            resolved = getattr(request._request, "ohms_session_tenancy", None)  # by the middleware
            if token is None and resolved is not None and resolved[:2] == (request.user.pk, hint):
                tenancy = resolved[2]
            else:
                tenancy = resolve_tenancy(request.user, hint=hint, token=token)
            if tenancy.error:
                raise exceptions.PermissionDenied(tenancy.error)
            update_context(
                user=request.user, organization=tenancy.organization,
                membership=tenancy.membership, role=tenancy.role,
            )
            request.ohms_tenancy = tenancy
        super().initial(request, *args, **kwargs)

    @property
    def organization(self):
        tenancy = getattr(self.request, "ohms_tenancy", None)
        return tenancy.organization if tenancy else None

    @property
    def role(self):
        tenancy = getattr(self.request, "ohms_tenancy", None)
        return tenancy.role if tenancy else ""

    def get_base_queryset(self):
        manager = self.model.all_objects if getattr(self, "action", None) in self.all_objects_actions else self.model.objects
        return manager.all()

    def scope_queryset(self, queryset):
        """The single tenancy filter for API reads: organization, then the project scope
        the model declares (``ohms_core.scoping``)."""
        return scoping.scope_queryset(queryset, organization=self.organization)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.scope_queryset(self.get_base_queryset())

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["organization"] = self.organization
        return context


def expected_version(request) -> int | None:
    """``version`` from the body, the ``?version=`` parameter or ``If-Match``."""
    raw = None
    if isinstance(request.data, dict):
        raw = request.data.get("version")
    raw = raw if raw not in (None, "") else request.query_params.get("version") or request.headers.get("If-Match", "").strip('"W/ ')
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise exceptions.ValidationError({"version": ["A valid integer is required."]}) from None


class ScopedModelViewSet(TenantScopedMixin, viewsets.ModelViewSet):
    """CRUD on a BaseModel through the generic record services (audit, history, 409)."""

    model = None
    action_policy = {"restore": "delete"}
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def create_object(self, data):
        return record_create(model=self.model, organization=self.organization, data=data, user=self.request.user)

    def update_object(self, instance, data):
        return record_update(instance=instance, data=data, expected_version=expected_version(self.request), user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = self.create_object(dict(serializer.validated_data))

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = self.update_object(serializer.instance, data)

    def perform_destroy(self, instance):
        record_soft_delete(instance=instance, expected_version=expected_version(self.request), user=self.request.user)

    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """Undo a soft delete."""
        instance = self.get_object()
        instance = record_restore(instance=instance, user=request.user)
        return Response(self.get_serializer(instance).data, status=status.HTTP_200_OK)

