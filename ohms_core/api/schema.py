"""OpenAPI schema helpers: only /api/v1/ is documented; Bearer tokens are described."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension


def only_public_api(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: drop Wagtail's internal admin API."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "ohms_core.api.authentication.BearerTokenAuthentication"
    name = "BearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Opaque API token (`ohms_...`) from POST /api/v1/core/tokens/ or the admin. "
                           "Send `X-OHMS-Organization` only with session auth; a token carries its organization.",
        }
