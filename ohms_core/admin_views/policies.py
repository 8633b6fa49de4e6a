"""Wagtail permission policies backed by the one role table (``ohms_core.permissions``)."""
from django.contrib.auth import get_user_model
from wagtail.permission_policies.base import BasePermissionPolicy

from .. import permissions as policy
from ..context import get_context
from ..models import Membership
from ..scoping import scope_queryset

#: Wagtail actions we see, mapped onto our policy's actions.
ACTION_MAP = {"add": policy.ADD, "change": policy.CHANGE, "delete": policy.DELETE, "view": policy.VIEW,
              "inspect": policy.VIEW, "export": policy.VIEW, "copy": policy.ADD}


class RolePermissionPolicy(BasePermissionPolicy):
    """Answers with the acting role in the acting organization (from the request context)."""

    def __init__(self, model, resource: str):
        super().__init__(model)
        self.resource = resource

    def _decide(self, user, action):
        if user is None or not user.is_authenticated or not user.is_active:
            return policy.Decision(False)
        ctx = get_context()
        if ctx.organization is None:
            return policy.Decision(False)
        return policy.check(user=user, role=ctx.role, resource=self.resource, action=ACTION_MAP.get(action, action))

    def user_has_permission(self, user, action):
        return self._decide(user, action).allowed

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        ctx = get_context()
        org_id = getattr(instance, "organization_id", getattr(instance, "pk", None) if self.resource == "organization" else None)
        return ctx.organization is not None and org_id == ctx.organization.pk and self.user_has_permission(user, action)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(self.user_has_permission_for_instance(user, a, instance) for a in actions)

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model._default_manager.none()
        return scope_queryset(self.model._default_manager.all(), get_context())

    def users_with_any_permission(self, actions):
        ctx = get_context()
        roles = set()
        for action in actions:
            roles |= set(policy.POLICY.get(self.resource, {}).get(ACTION_MAP.get(action, action), ()))
        members = Membership.objects.filter(organization=ctx.organization, role__in=roles, is_active=True)
        return get_user_model().objects.filter(is_active=True, pk__in=members.values("user_id"))

    def users_with_permission(self, action):
        return self.users_with_any_permission([action])

    def reason(self, user, action) -> str:
        return self._decide(user, action).reason
