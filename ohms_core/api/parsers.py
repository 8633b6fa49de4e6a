"""Request-body parsers that refuse hostile input with 400/413 instead of a 500.

DRF's ``JSONParser`` reads the body straight from the WSGI stream (Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` only guards ``request.body`` and form data, so a JSON body of
any size was read into memory), and Python's ``json`` raises ``RecursionError`` on about a
thousand nested ``[``: both ended as a 500. Here a JSON body larger than
``DATA_UPLOAD_MAX_MEMORY_SIZE`` is a 413 and a document nested deeper than
``OHMS_JSON_MAX_DEPTH`` (no legitimate OHMS payload is deeper than a handful of levels) a 400.
"""
from __future__ import annotations

import codecs
import json

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json as drf_json


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


def json_depth_exceeds(value, limit: int) -> bool:
    """True when ``value`` nests lists/dicts deeper than ``limit`` (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def body_limit() -> int | None:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def read_bounded(stream, meta) -> bytes:
    """Read the body, refusing (413) more than DATA_UPLOAD_MAX_MEMORY_SIZE bytes, whether
    announced by Content-Length or only discovered while reading (chunked bodies)."""
    limit = body_limit()
    if limit is not None:
        try:
            announced = int(meta.get("CONTENT_LENGTH") or 0)
        except (TypeError, ValueError):
            announced = 0
        if announced > limit:
            raise RequestTooLarge()
        data = stream.read(limit + 1)
        if len(data) > limit:
            raise RequestTooLarge()
        return data
    return stream.read()


class BoundedJSONParser(JSONParser):
    """``JSONParser`` with a size limit (413) and a nesting-depth limit (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = get_encoding(parser_context)
        request = parser_context.get("request")
        meta = getattr(request, "META", {}) if request is not None else {}
        raw = read_bounded(stream, meta)
        try:
            text = codecs.decode(raw, encoding)
            value = json.loads(text, parse_constant=drf_json.strict_constant if self.strict else None)
        except RecursionError:
            raise ParseError(_("JSON nested too deeply.")) from None
        except ValueError as exc:
            raise ParseError(_("JSON parse error: %(error)s") % {"error": exc}) from None
        if json_depth_exceeds(value, settings.OHMS_JSON_MAX_DEPTH):
            raise ParseError(_("JSON nested too deeply (more than %(depth)d levels).") % {"depth": settings.OHMS_JSON_MAX_DEPTH})
        return value

