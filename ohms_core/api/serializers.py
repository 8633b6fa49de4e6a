"""Serializer base: tenant-scoped foreign keys, the ``version`` field, bounded integers."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..scoping import scope_choices

BASE_READ_ONLY = ("id", "organization", "created_at", "updated_at", "created_by", "updated_by", "is_deleted", "deleted_at")

#: Column ranges every supported database can store (Django's portable defaults). SQLite
#: accepts any 64-bit value in any integer column and overflows beyond (a 500), PostgreSQL
#: refuses out-of-range values with a DataError (a 500): the API refuses them first (400).
INTEGER_RANGES = {
    "SmallIntegerField": (-32768, 32767),
    "IntegerField": (-2147483648, 2147483647),
    "BigIntegerField": (-9223372036854775808, 9223372036854775807),
    "PositiveSmallIntegerField": (0, 32767),
    "PositiveIntegerField": (0, 2147483647),
    "PositiveBigIntegerField": (0, 9223372036854775807),
}
MAX_VERSION = 2147483647


def bounded_integer_kwargs(model_field: models.Field, kwargs: dict) -> dict:
    """Tighten ``min_value``/``max_value`` of a serializer integer field to the column range."""
    bounds = INTEGER_RANGES.get(model_field.get_internal_type())
    if bounds is None:
        return kwargs
    low, high = bounds
    kwargs = dict(kwargs)
    kwargs["min_value"] = max(low, kwargs["min_value"]) if kwargs.get("min_value") is not None else low
    kwargs["max_value"] = min(high, kwargs["max_value"]) if kwargs.get("max_value") is not None else high
    return kwargs


class ScopedModelSerializer(serializers.ModelSerializer):
    """Related-object fields only accept objects of the acting organization.

    An id from another organization is answered exactly like an unknown id, so a body can
    never reach across tenants. ``version`` is the optimistic-lock token of an update: on
    create it is ignored (a new row always starts at version 1; a client cannot choose it).
    Integer model fields are bounded to what the column stores, so out-of-range is a 400.
    """

    version = serializers.IntegerField(required=False, min_value=1, max_value=MAX_VERSION,
                                       help_text=_("Send the version you read; 409 if it changed."))

    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        if issubclass(field_class, serializers.IntegerField) and not field_kwargs.get("read_only"):
            field_kwargs = bounded_integer_kwargs(model_field, field_kwargs)
        return field_class, field_kwargs

    def get_fields(self):
        fields = super().get_fields()
        organization = self.context.get("organization")
        for field in fields.values():
            target = getattr(field, "child_relation", field)
            queryset = getattr(target, "queryset", None)
            if queryset is not None:
                target.queryset = scope_choices(queryset, organization=organization)
        return fields

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if self.instance is None:
            values.pop("version", None)
        return values
