from rest_framework import serializers

from ohms_core.api.serializers import BASE_READ_ONLY, ScopedModelSerializer
from ohms_core.api.views import ScopedModelViewSet
from ohms_core.api.workflow import TransitionsMixin

from .models import Inspection


class InspectionSerializer(ScopedModelSerializer):
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Inspection
        fields = ("id", "version", "title", "checklist_done", "findings", "status", "approved_at", "assigned_approver")
        read_only_fields = (*BASE_READ_ONLY, "approved_at")


class InspectionViewSet(TransitionsMixin, ScopedModelViewSet):
    resource, model = "inspection", Inspection
    serializer_class = InspectionSerializer
    filterset_fields = ["status"]
