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


def idempotency_key_header(result, generator, request, public):
    """drf-spectacular postprocessing hook: every POST documents ``Idempotency-Key``
    (ohms_core.idempotency; every POST view has ``IdempotentMixin``)."""
    parameter = {
        "in": "header", "name": "Idempotency-Key", "required": False,
        "schema": {"type": "string", "maxLength": 255},
        "description": "Retry-safe POST: the same key and body within 72 h replay the first response "
                       "(header Idempotent-Replayed: true); a different body is 422, a request still "
                       "running with this key is 409. See docs/api.md, Idempotency.",
    }
    for operations in result.get("paths", {}).values():
        post = operations.get("post")
        if post is not None:
            post.setdefault("parameters", []).append(parameter)
    return result
