"""Serializer base: tenant-scoped foreign keys, the ``version`` field, bounded integers."""
import copy

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers

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


#: A plan's marker for ``_is_plain_iso_datetime`` fields.
_ISO_DATETIME = object()


def _is_plain_iso_datetime(field) -> bool:
    """A DRF ``DateTimeField`` as DRF ships it: ISO 8601 output in the current time zone (no
    ``format`` or ``default_timezone`` of its own)."""
    from django.conf import settings
    from rest_framework.settings import api_settings

    kind = type(field)
    return (isinstance(field, drf_fields.DateTimeField) and settings.USE_TZ
            and kind.to_representation is drf_fields.DateTimeField.to_representation
            and kind.enforce_timezone is drf_fields.DateTimeField.enforce_timezone
            and kind.default_timezone is drf_fields.DateTimeField.default_timezone
            and not hasattr(field, "timezone") and kind.get_attribute is drf_fields.Field.get_attribute
            and str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() == drf_fields.ISO_8601)


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

    @property
    def reads_input(self) -> bool:
        """False only for a list being represented: a ``many=True`` serializer given no ``data``.

        That one never evaluates its related fields' querysets, so scoping them is skipped: on
        a list page it was some 30 ``filter()`` calls of pure Python per request (issue 9
        benchmarks). Everything else stays scoped, including a single serializer without data,
        which the browsable API renders as a form whose choices come from those querysets.
        """
        root = self.root
        return hasattr(root, "initial_data") or not isinstance(root, serializers.ListSerializer)

    def _model_serializer_fields(self) -> dict:
        """``ModelSerializer.get_fields()``, built once per serializer class and copied.

        Why: DRF rebuilds every field from the model's metadata for each serializer instance
        (~1.5 ms for a permit, on every request); the result depends only on the class (no
        ``build_*`` hook here reads the context), so a deep copy of the first build, which DRF
        itself makes of declared fields, gives the same fields for a third of the cost.
        """
        prototype = type(self).__dict__.get("_ohms_fields_prototype")
        if prototype is None:
            prototype = super().get_fields()
            type(self)._ohms_fields_prototype = prototype
        return copy.deepcopy(prototype)

    def get_fields(self):
        fields = self._model_serializer_fields()
        if not self.reads_input:
            return fields
        organization = self.context.get("organization")
        for field in fields.values():
            target = getattr(field, "child_relation", field)
            queryset = getattr(target, "queryset", None)
            if queryset is not None:
                target.queryset = scope_choices(queryset, organization=organization)
        return fields

    def _representation_plan(self) -> list:
        """For each readable field: (name, attribute to read, field or None), or (name, None,
        field) for DRF's general path. Built once per serializer (a list's child serves every row).

        Why: DRF reads each value through ``Field.get_attribute`` (a loop over source parts,
        callable checks, exception mapping) and wraps related ids in ``PKOnlyObject``; for a
        concrete column read straight off a model instance the outcome is one ``getattr``. Only
        fields whose reading DRF does not customise take the short path, so the output is the
        same value for value (``test_serializer_fast_path.py`` compares every serializer's).
        """
        plan = self.__dict__.get("_ohms_representation_plan")
        if plan is not None:
            return plan
        concrete = {f.name: f for f in self.Meta.model._meta.concrete_fields}
        plan = []
        for field in self._readable_fields:
            model_field = concrete.get(field.source) if len(field.source_attrs) == 1 else None
            kind = type(field)
            if model_field is None:
                plan.append((field.field_name, None, field))
            elif (isinstance(field, relations.PrimaryKeyRelatedField) and field.pk_field is None
                  and kind.get_attribute is relations.RelatedField.get_attribute
                  and kind.to_representation is relations.PrimaryKeyRelatedField.to_representation
                  and model_field.is_relation):
                plan.append((field.field_name, model_field.attname, None))  # the id, as DRF's PKOnlyObject gives it
            elif _is_plain_iso_datetime(field):
                plan.append((field.field_name, model_field.name, _ISO_DATETIME))
            elif not isinstance(field, relations.RelatedField) and kind.get_attribute is drf_fields.Field.get_attribute:
                plan.append((field.field_name, model_field.name, field))
            else:
                plan.append((field.field_name, None, field))
        self.__dict__["_ohms_representation_plan"] = plan
        return plan

    #: Off: DRF's own reading for every field (the reference the fast path is tested against).
    use_representation_plan = True

    def to_representation(self, instance):
        if not self.use_representation_plan or not isinstance(instance, self.Meta.model):
            return super().to_representation(instance)
        ret = {}
        zone = None
        for name, attribute_name, field in self._representation_plan():
            if attribute_name is None:  # DRF's general path, as Serializer.to_representation does it
                try:
                    attribute = field.get_attribute(instance)
                except drf_fields.SkipField:
                    continue
                check = attribute.pk if isinstance(attribute, relations.PKOnlyObject) else attribute
                ret[name] = None if check is None else field.to_representation(attribute)
                continue
            value = getattr(instance, attribute_name)
            if field is _ISO_DATETIME and value is not None and value.tzinfo is not None:
                # DRF's DateTimeField: in the current time zone, ISO 8601, "Z" for UTC; the zone
                # is looked up once per row instead of once per value.
                zone = zone or timezone.get_current_timezone()
                text = value.astimezone(zone).isoformat()
                ret[name] = text[:-6] + "Z" if text.endswith("+00:00") else text
                continue
            if field is _ISO_DATETIME:
                field = self.fields[name]  # naive or empty: DRF's own handling
            ret[name] = value if value is None or field is None else field.to_representation(value)
        return ret

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if self.instance is None:
            values.pop("version", None)
        return values
