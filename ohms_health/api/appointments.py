"""/api/v1/health/appointments/ and /api/v1/health/transactions/ (SPEC 3.6): serializers and
views; the double-booking rule lives in ``services.appointments``.

Appointments: medical officers and org admins (list with filters, create, retrieve,
update, delete = soft delete, lifecycle through ``transitions/<name>/``). Transactions: a
ledger for the same roles, list and create (and retrieve), never edited.
"""
from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ohms_core.api.serializers import BASE_READ_ONLY, ScopedModelSerializer
from ohms_core.api.views import ScopedModelViewSet, expected_version
from ohms_core.api.workflow import TransitionsMixin
from ohms_core.scoping import active_members

from ..models import Appointment, AppointmentStatus, Transaction
from ..services import appointments as services

TIMESTAMPS = ("created_at", "updated_at")
User = get_user_model()


class AppointmentSerializer(ScopedModelSerializer):
    provider = serializers.PrimaryKeyRelatedField(queryset=User.objects.none())
    staff = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), many=True, required=False)
    status = serializers.CharField(read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True)
    employee_number = serializers.CharField(source="worker.employee_number", read_only=True)

    class Meta:
        model = Appointment
        fields = ("id", "version", "worker", "employee_number", "start", "end", "timezone", "duration_minutes",
                  "appointment_type", "exam_type", "location", "equipment_requirements", "provider", "staff",
                  "billing_codes", "cost_estimate", "currency", "insurance_authorization", "preparation_notes",
                  "follow_up_required", "status", "reminder_sent_at", "confirmed_at", "checked_in_at",
                  "completed_at", *TIMESTAMPS)
        read_only_fields = (*BASE_READ_ONLY, "reminder_sent_at", "confirmed_at", "checked_in_at", "completed_at")

    def get_fields(self):
        """Clinician and staff: active members of the acting organization only."""
        fields = super().get_fields()
        members = active_members(self.context.get("organization"))
        fields["provider"].queryset = members
        fields["staff"].child_relation.queryset = members
        return fields

    def validate(self, attrs):
        start = attrs.get("start", getattr(self.instance, "start", None))
        end = attrs.get("end", getattr(self.instance, "end", None))
        if start and end and end <= start:
            raise serializers.ValidationError({"end": [_("The end must be after the start.")]})
        return attrs


class AppointmentFilter(django_filters.FilterSet):
    start_after = django_filters.IsoDateTimeFilter(field_name="start", lookup_expr="gte")
    start_before = django_filters.IsoDateTimeFilter(field_name="start", lookup_expr="lt")
    date_from = django_filters.DateFilter(field_name="start", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="start", lookup_expr="date__lte")
    status = django_filters.MultipleChoiceFilter(choices=AppointmentStatus.choices)

    class Meta:
        model = Appointment
        fields = ["worker", "provider", "status", "appointment_type", "exam_type"]


class AppointmentViewSet(TransitionsMixin, ScopedModelViewSet):
    resource, model = "appointment", Appointment
    serializer_class = AppointmentSerializer
    filterset_class = AppointmentFilter
    search_fields = ["worker__employee_number", "location"]
    ordering_fields = ["start", "created_at"]

    def get_queryset(self):
        return super().get_queryset().select_related("worker").prefetch_related("staff")

    def create_object(self, data):
        return services.appointment_create(organization=self.organization, data=data, user=self.request.user)

    def update_object(self, instance, data):
        return services.appointment_update(instance=instance, data=data, user=self.request.user,
                                           expected_version=expected_version(self.request))


class TransactionSerializer(ScopedModelSerializer):
    total = serializers.DecimalField(max_digits=13, decimal_places=2, read_only=True)

    class Meta:
        model = Transaction
        fields = ("id", "version", "transaction_type", "amount", "tax_amount", "total", "currency", "payment_method",
                  "invoice_number", "billing_period_start", "billing_period_end", "due_date", "worker",
                  "appointment", "description", "receipt_required", "receipt_issued", "receipt_number",
                  "receipt_issued_at", *TIMESTAMPS)
        read_only_fields = BASE_READ_ONLY


class TransactionFilter(django_filters.FilterSet):
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = Transaction
        fields = ["transaction_type", "currency", "payment_method", "worker", "appointment", "invoice_number",
                  "receipt_issued"]


class TransactionViewSet(ScopedModelViewSet):
    resource, model = "transaction", Transaction
    serializer_class = TransactionSerializer
    filterset_class = TransactionFilter
    http_method_names = ["get", "post", "head", "options"]
    search_fields = ["invoice_number", "receipt_number", "description"]
    ordering_fields = ["created_at", "due_date", "amount"]

    def get_queryset(self):
        return super().get_queryset().select_related("worker", "appointment")

    def create_object(self, data):
        return services.transaction_create(organization=self.organization, data=data, user=self.request.user)
