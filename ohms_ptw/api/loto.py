"""REST for LOTO evidence and procedures (``services/loto.py``).

* ``POST /api/v1/ptw/loto-logs/{id}/photo/`` (multipart, field ``photo``): the lock photo of
  a LOTO log entry; 201 stored, 200 the same photo again, 409 another photo, 400 not an image.
* ``POST /api/v1/ptw/permits/{id}/apply_loto_procedure/`` ``{loto_procedure_id}``: the
  procedure's points and steps copied onto the permit; 201 with the points created.
* ``POST /api/v1/ptw/permits/{id}/update_isolation_steps/``
  ``{permit_isolation_point_id, isolation_steps, version}``: edit the copied steps.
"""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from ..models import LotoProcedure, PermitIsolationPoint
from ..services import loto as loto_services


class LotoPhotoSerializer(serializers.Serializer):
    photo = serializers.FileField()


class ApplyProcedureSerializer(serializers.Serializer):
    loto_procedure_id = serializers.UUIDField()


class IsolationStepsSerializer(serializers.Serializer):
    permit_isolation_point_id = serializers.UUIDField()
    isolation_steps = serializers.CharField(allow_blank=True, max_length=20000)
    version = serializers.IntegerField(required=False, min_value=1)


def scoped_procedure(view, pk):
    """The procedure if the caller may see it (organization, project or global), else a 400
    on the field (never another organization's procedure)."""
    procedure = view.scope_queryset(LotoProcedure.objects.all()).filter(pk=pk).first()
    if procedure is None:
        raise ValidationError({"loto_procedure_id": ["Unknown LOTO procedure."]})
    return procedure


class LotoLogPhotoMixin:
    """Adds ``photo`` to the LOTO log endpoint (read-only otherwise)."""

    @extend_schema(request={"multipart/form-data": LotoPhotoSerializer}, responses=None)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def photo(self, request, pk=None):
        log = self.get_object()
        payload = LotoPhotoSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        result = loto_services.loto_log_photo_attach(log=log, upload=payload.validated_data["photo"], user=request.user)
        return Response(self.get_serializer(result.record).data,
                        status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class PermitLotoMixin:
    """Adds the LOTO procedure actions to the permit endpoint."""

    @extend_schema(request=ApplyProcedureSerializer, responses=None)
    @action(detail=True, methods=["post"])
    def apply_loto_procedure(self, request, pk=None):
        from .serializers import PermitIsolationPointSerializer

        permit = self.get_object()
        payload = ApplyProcedureSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        procedure = scoped_procedure(self, payload.validated_data["loto_procedure_id"])
        points = loto_services.loto_procedure_apply(permit=permit, procedure=procedure, user=request.user)
        return Response({"points": PermitIsolationPointSerializer(points, many=True).data}, status=status.HTTP_201_CREATED)

    @extend_schema(request=IsolationStepsSerializer, responses=None)
    @action(detail=True, methods=["post"])
    def update_isolation_steps(self, request, pk=None):
        from .serializers import PermitIsolationPointSerializer

        permit = self.get_object()
        payload = IsolationStepsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        point = get_object_or_404(PermitIsolationPoint, pk=data["permit_isolation_point_id"], permit=permit)
        point = loto_services.isolation_steps_update(permit=permit, point=point, steps=data["isolation_steps"],
                                                     user=request.user, expected_version=data.get("version"))
        return Response(PermitIsolationPointSerializer(point).data)
