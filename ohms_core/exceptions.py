"""Domain errors raised by services; the API and admin translate them to 400/403/409."""
from django.utils.translation import gettext_lazy as _


class OhmsError(Exception):
    default_message = _("The request could not be completed.")
    code = "error"

    def __init__(self, message=None, *, code=None, errors=None):
        self.message = str(message or self.default_message)
        if code:
            self.code = code
        self.errors = errors or {}
        super().__init__(self.message)


class ConflictError(OhmsError):
    """Stale ``version`` or a concurrent writer won (HTTP 409)."""

    default_message = _("This record was changed by someone else. Reload it and try again.")
    code = "conflict"


class NotAllowedError(OhmsError):
    """In scope but the role may not act (HTTP 403, with the reason)."""

    default_message = _("You are not allowed to do this.")
    code = "permission_denied"


class BusinessRuleError(OhmsError):
    """A rule blocks the action (HTTP 400, with coded reasons)."""

    code = "rule_violated"
