"""Serializer base: tenant-scoped foreign keys and the ``version`` field."""
from rest_framework import serializers

from ..scoping import scope_choices

BASE_READ_ONLY = ("id", "organization", "created_at", "updated_at", "created_by", "updated_by", "is_deleted", "deleted_at")


class ScopedModelSerializer(serializers.ModelSerializer):
    """Related-object fields only accept objects of the acting organization.

    An id from another organization is answered exactly like an unknown id, so a body can
    never reach across tenants.
    """

    version = serializers.IntegerField(required=False, min_value=1, help_text="Send the version you read; 409 if it changed.")

    def get_fields(self):
        fields = super().get_fields()
        organization = self.context.get("organization")
        for field in fields.values():
            target = getattr(field, "child_relation", field)
            queryset = getattr(target, "queryset", None)
            if queryset is not None:
                target.queryset = scope_choices(queryset, organization=organization)
        return fields
