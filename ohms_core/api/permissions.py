"""DRF permission reading the one policy table in ``ohms_core.permissions``."""
from rest_framework.permissions import BasePermission

from .. import permissions as policy
from ..context import get_context

METHOD_ACTIONS = {
    "GET": policy.VIEW, "HEAD": policy.VIEW, "OPTIONS": policy.VIEW,
    "POST": policy.ADD, "PUT": policy.CHANGE, "PATCH": policy.CHANGE, "DELETE": policy.DELETE,
}


class RolePermission(BasePermission):
    """Allows the request when the acting role may do the action on ``view.resource``.

    A viewset action can require a different policy action through
    ``view.action_policy = {"restore": "delete", ...}``.
    """

    def has_permission(self, request, view):
        resource = getattr(view, "resource", None)
        if resource is None or not hasattr(view, request.method.lower()):
            return True  # no resource, or a method the view lacks: DRF answers 405
        action_policy = view.get_action_policy() if hasattr(view, "get_action_policy") else getattr(view, "action_policy", {})
        action = action_policy.get(getattr(view, "action", None)) or METHOD_ACTIONS.get(request.method, policy.CHANGE)
        ctx = get_context()
        decision = policy.check(user=request.user, role=ctx.role, resource=resource, action=action)
        if not decision:
            self.message = decision.reason
        return decision.allowed
