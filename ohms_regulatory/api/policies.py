"""Policy pages over HTTP (DECISIONS 13).

* ``/api/v1/regulatory/policy-acknowledgements/``: a person lists their own
  acknowledgements (org admins and the report roles: the organization's) and acknowledges
  the current version of a policy (POST ``{"page": id}``).
* ``/api/v2/pages/``: Wagtail's API v2, limited to published policies with the site's
  privacy: a bearer token reads its organization's pages, a session its organizations',
  anyone the public ones.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet

from ohms_core.api.views import TenantScopedMixin
from ohms_core.models import ApiToken
from ohms_core.roles import Role

from ..models import PolicyAcknowledgement, PolicyPage
from ..models.policies import member_organization_ids
from ..services.policies import policy_acknowledge

#: Roles that see every acknowledgement of their organization (the who-has-read report's).
ALL_ACKNOWLEDGEMENT_READERS = frozenset({Role.ORG_ADMIN, Role.SAFETY_MANAGER, Role.COMPLIANCE_OFFICER, Role.AUDITOR})


class PolicyAcknowledgementOutput(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(read_only=True)
    user_email = serializers.EmailField(source="user.email", read_only=True)
    page_title = serializers.CharField(source="page.title", read_only=True)
    language = serializers.CharField(source="page.locale.language_code", read_only=True)

    class Meta:
        model = PolicyAcknowledgement
        fields = ["id", "page", "page_title", "language", "translation_key", "policy_version", "user", "user_email",
                  "acknowledged_at"]
        read_only_fields = fields


class PolicyAcknowledgementInput(serializers.Serializer):
    page = serializers.IntegerField(help_text=_("Id of the policy page (any of its languages)."))


class PolicyAcknowledgementViewSet(TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                                   mixins.CreateModelMixin, viewsets.GenericViewSet):
    model = PolicyAcknowledgement
    resource = "policyacknowledgement"
    serializer_class = PolicyAcknowledgementOutput
    filterset_fields = ["policy_version", "translation_key", "page"]
    ordering_fields = ["acknowledged_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema: no request user
            return PolicyAcknowledgement.objects.none()
        queryset = super().get_queryset().select_related("user", "page", "page__locale")
        if self.role not in ALL_ACKNOWLEDGEMENT_READERS:
            queryset = queryset.filter(user=self.request.user)
        return queryset

    def create(self, request, *args, **kwargs):
        data = PolicyAcknowledgementInput(data=request.data)
        data.is_valid(raise_exception=True)
        page = PolicyPage.objects.live().filter(pk=data.validated_data["page"], organization=self.organization).first()
        if page is None:
            raise exceptions.ValidationError({"page": [_("No published policy of your organization has this id.")]})
        try:
            ack = policy_acknowledge(page=page, user=request.user)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict) from exc
        return Response(PolicyAcknowledgementOutput(ack).data, status=status.HTTP_201_CREATED)


# --- Wagtail API v2 --------------------------------------------------------------------------
class PolicyPagesAPIViewSet(PagesAPIViewSet):
    """Published policies only, with the site's privacy (one rule for every reader)."""

    permission_classes = [AllowAny]
    name = "pages"

    def _organization_ids(self) -> set:
        request = self.request
        user = request.user
        if isinstance(getattr(request, "auth", None), ApiToken):
            return {request.auth.organization_id} & member_organization_ids(user)
        return member_organization_ids(user)

    def get_base_queryset(self):
        visible = PolicyPage.objects.live().filter(Q(is_public=True) | Q(organization_id__in=self._organization_ids()))
        return super().get_base_queryset().filter(pk__in=visible.values("pk"))


api_v2_router = WagtailAPIRouter("wagtailapi")
api_v2_router.register_endpoint("pages", PolicyPagesAPIViewSet)
