"""``Authorization: Bearer <token>`` authentication for integrators and mobile clients."""
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from ..services.tokens import token_authenticate


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if not parts or parts[0].lower() != self.keyword.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header: use “Bearer <token>”."))
        token = token_authenticate(parts[1])
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
