"""REST side of offline idempotency (``services/offline.py``): 201 when created, 200 when
the request was a retry of an earlier one, 409 when its offline id names another record."""
from __future__ import annotations

from rest_framework import status
from rest_framework.response import Response

from ..services import offline


def offline_create(view, request, submit):
    """Validate the body with the view's serializer, add the device (``device_id`` field or
    ``X-Device-Id`` header) and call ``submit(permit=, data=, user=)`` (a service returning
    ``offline.Submitted``)."""
    serializer = view.get_serializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = dict(serializer.validated_data)
    data.pop("version", None)
    permit = data.pop("permit")
    data["device_id"] = offline.device_id_from(request, data)
    result = submit(permit=permit, data=data, user=request.user)
    body = view.get_serializer(result.record).data
    return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)
