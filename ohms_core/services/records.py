"""Generic create / update / soft delete / restore for BaseModel rows.

Every write goes through a row lock and a version check (409 when stale), model
validation (constraints, ``clean()``), one history row and one audit row. Specific
use cases (worker_create, document_upload, ...) build on these.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from ..context import get_context
from ..exceptions import ConflictError
from ..models import AuditAction
from .audit import audit_record, diff, snapshot


def _validate(instance, exclude=None):
    """Model validation, skipping state-machine fields: they only change through transitions
    (and ``clean_fields`` would reassign them, which a protected FSMField refuses)."""
    from django_fsm import FSMFieldMixin

    state_fields = {f.name for f in instance._meta.concrete_fields if isinstance(f, FSMFieldMixin)}
    instance.full_clean(exclude=set(exclude or ()) | state_fields)


def _assign(instance, data: dict):
    m2m = {}
    for key, value in data.items():
        field = instance._meta.get_field(key)
        if field.many_to_many:
            m2m[key] = value
        else:
            setattr(instance, key, value)
    return m2m


def record_create(*, model, organization, data: dict, user=None):
    """Create a row in ``organization`` (never taken from the request body)."""
    with transaction.atomic():
        instance = model(organization=organization) if hasattr(model, "organization_id") else model()
        m2m = _assign(instance, data)
        _validate(instance)
        instance.created_by = user if user is not None else get_context().user
        instance.save()
        for key, value in m2m.items():
            getattr(instance, key).set(value)
        audit_record(action=AuditAction.CREATE, obj=instance, changes=diff({}, snapshot(instance)), user=user)
    return instance


def record_update(*, instance, data: dict, expected_version: int | None = None, user=None):
    """Update a row under a lock; 409 (ConflictError) when ``expected_version`` is stale."""
    model = type(instance)
    with transaction.atomic():
        locked = model.all_objects.select_for_update().get(pk=instance.pk)
        if expected_version is not None and locked.version != int(expected_version):
            raise ConflictError(errors={"version": [f"current version is {locked.version}"]})
        before = snapshot(locked)
        m2m = _assign(locked, data)
        _validate(locked)
        locked.save()
        for key, value in m2m.items():
            getattr(locked, key).set(value)
        changes = diff(before, snapshot(locked))
        audit_record(action=AuditAction.UPDATE, obj=locked, changes=changes, user=user)
    return locked


def record_soft_delete(*, instance, expected_version: int | None = None, user=None):
    model = type(instance)
    with transaction.atomic():
        locked = model.all_objects.select_for_update().get(pk=instance.pk)
        if expected_version is not None and locked.version != int(expected_version):
            raise ConflictError()
        if locked.is_deleted:
            return locked
        locked.soft_delete(user=user)
        audit_record(action=AuditAction.DELETE, obj=locked, changes={"is_deleted": {"before": False, "after": True}}, user=user)
    return locked


def record_restore(*, instance, user=None):
    model = type(instance)
    with transaction.atomic():
        locked = model.all_objects.select_for_update().get(pk=instance.pk)
        if not locked.is_deleted:
            return locked
        try:
            locked.is_deleted = False
            locked.validate_constraints()
        except ValidationError:
            locked.is_deleted = True
            raise
        locked.restore()
        audit_record(action=AuditAction.RESTORE, obj=locked, changes={"is_deleted": {"before": True, "after": False}}, user=user)
    return locked
