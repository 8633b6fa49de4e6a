"""REST for escalation rules (SPEC 2.8): /api/v1/ptw/escalation-rules/ (configurators write)."""
from ohms_core.api.serializers import BASE_READ_ONLY, ScopedModelSerializer
from ohms_core.api.views import ScopedModelViewSet

from ..models import EscalationRule


class EscalationRuleSerializer(ScopedModelSerializer):
    class Meta:
        model = EscalationRule
        fields = ("id", "version", "created_at", "updated_at", "permit_type", "step_type", "time_limit_hours",
                  "escalate_to_role", "method", "is_active")
        read_only_fields = BASE_READ_ONLY


class EscalationRuleViewSet(ScopedModelViewSet):
    resource, model = "escalationrule", EscalationRule
    serializer_class = EscalationRuleSerializer
    filterset_fields = ["permit_type", "step_type", "escalate_to_role", "is_active"]
    ordering_fields = ["time_limit_hours", "created_at"]

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("permit_type")
