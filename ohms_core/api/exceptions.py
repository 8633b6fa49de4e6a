"""One error format for the whole API: ``{"detail", "code", "errors"}``.

``errors`` maps field names to lists of messages on 400s (``non_field_errors`` for the
rest). Domain errors from services map to 400 (rule), 403 (not allowed), 409 (stale).
Django's ``ValidationError`` and ``ProtectedError`` and database integrity errors become
400/409 instead of 500.
"""
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..exceptions import BusinessRuleError, ConflictError, NotAllowedError, OhmsError


def _normalise(detail):
    if isinstance(detail, dict):
        return {key: _normalise_list(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": _normalise_list(detail)}
    return {"non_field_errors": [str(detail)]}


def _normalise_list(value):
    if isinstance(value, dict):
        return {k: _normalise_list(v) for k, v in value.items()}
    if isinstance(value, list):
        return [v if isinstance(v, dict) else str(v) for v in value]
    return [str(value)]


def _django_validation_errors(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if key == "__all__" else key): [str(m) for m in msgs]
            for key, msgs in exc.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def _body(detail, code, errors=None, http_status=400):
    return Response({"detail": str(detail), "code": code, "errors": errors or {}}, status=http_status)


def exception_handler(exc, context):
    if isinstance(exc, ConflictError):
        return _body(exc.message, exc.code, exc.errors, status.HTTP_409_CONFLICT)
    if isinstance(exc, NotAllowedError):
        return _body(exc.message, exc.code, exc.errors, status.HTTP_403_FORBIDDEN)
    if isinstance(exc, (BusinessRuleError, OhmsError)):
        return _body(exc.message, exc.code, exc.errors, status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        return _body(_("Invalid input."), "invalid", _django_validation_errors(exc))
    if isinstance(exc, ProtectedError):
        return _body(_("This record is still used by other records."), "protected", {}, status.HTTP_409_CONFLICT)
    if isinstance(exc, RequestDataTooBig):  # form/multipart fields over DATA_UPLOAD_MAX_MEMORY_SIZE
        return _body(_("The request body is too large."), "request_too_large", {}, status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, (DataError, OverflowError)):
        # A value the column cannot hold (an unbounded integer on PostgreSQL, or beyond 64 bits
        # on SQLite) that a serializer did not bound: the client's input, so 400, never 500.
        return _body(_("A value is out of range."), "out_of_range", {}, status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        return _body(_("This conflicts with an existing record."), "integrity_error", {}, status.HTTP_409_CONFLICT)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": _("Invalid input."), "code": "invalid", "errors": _normalise(exc.detail)}
        return response
    if isinstance(exc, (Http404, exceptions.NotFound)):
        code = "not_found"
    elif isinstance(exc, (PermissionDenied, exceptions.PermissionDenied)):
        code = "permission_denied"
    else:
        code = getattr(exc, "default_code", "error")
        if isinstance(exc, exceptions.APIException):
            codes = exc.get_codes()
            code = codes if isinstance(codes, str) else code
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else str(response.data)
    response.data = {"detail": str(detail), "code": code, "errors": {}}
    return response
