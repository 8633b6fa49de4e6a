"""Transitions endpoints for every registered state machine.

A viewset of a registered model adds ``TransitionsMixin``:
``GET .../{id}/transitions/`` lists what the user may do now (and why not), and
``POST .../{id}/transitions/{name}/`` runs it through ``workflows.transition_perform``.
"""
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import workflows
from .views import expected_version


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class TransitionOptionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    source = serializers.CharField()
    target = serializers.CharField()
    allowed = serializers.BooleanField()
    comment_required = serializers.BooleanField()
    system = serializers.BooleanField(help_text="Run by the system (scheduled job), never by a person.")
    reasons = ReasonSerializer(many=True)


class TransitionRequestSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    version = serializers.IntegerField(required=False, min_value=1)


class TransitionsMixin:
    """Add to a ScopedModelViewSet whose model is registered with ``ohms_core.workflows``."""

    def get_action_policy(self):
        return {**getattr(self, "action_policy", {}), "transitions": "view", "transition": "view"}

    @extend_schema(responses=TransitionOptionSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="transitions")
    def transitions(self, request, pk=None):
        """Transitions leaving the current state: allowed for you now, or the reasons why not."""
        instance = self.get_object()
        return Response(workflows.transition_options(instance, request.user))

    @extend_schema(
        request=TransitionRequestSerializer,
        responses={200: OpenApiResponse(description="The object after the transition"),
                   400: OpenApiResponse(description="Blocked by a gate: errors.reasons"),
                   403: OpenApiResponse(description="Your role may not"),
                   409: OpenApiResponse(description="Stale version, state changed or concurrent writer")},
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z0-9_]+)")
    def transition(self, request, pk=None, name=None):
        """Run a transition (optional ``comment``, and ``version`` for a 409 on stale reads)."""
        instance = self.get_object()
        payload = TransitionRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        version = payload.validated_data.get("version")
        if version is None:
            version = expected_version(request)
        instance = workflows.transition_perform(
            instance=instance, name=name, user=request.user,
            comment=payload.validated_data.get("comment", ""), expected_version=version,
        )
        return Response(self.get_serializer(instance).data)
