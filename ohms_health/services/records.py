"""Writes and read audits of medical records (examinations), DECISIONS 12.

Why not the generic ``ohms_core.services.records``: those audit rows carry before/after
values, and auditors read the audit log; a medical record's audit row must name the fields
that changed, never their content. The role check sits here too, so no endpoint or screen
can write a medical record without it.
"""
from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from ohms_core.context import get_context
from ohms_core.exceptions import ConflictError
from ohms_core.models import AuditAction, AuditLog
from ohms_core.services.audit import audit_record

from .medical import require_medical_role


def medical_record_create(*, model, organization, data: dict, user, role: str):
    require_medical_role(role)
    with transaction.atomic():
        instance = model(organization=organization, **data)
        instance.full_clean()
        instance.created_by = user
        instance.save()
        audit_record(action=AuditAction.CREATE, obj=instance, user=user, organization=organization,
                     changes={"fields": sorted(data)})
    return instance


def medical_record_update(*, instance, data: dict, user, role: str, expected_version: int | None = None):
    require_medical_role(role)
    model = type(instance)
    with transaction.atomic():
        locked = model.all_objects.select_for_update().get(pk=instance.pk)
        if expected_version is not None and locked.version != int(expected_version):
            raise ConflictError(errors={"version": [f"current version is {locked.version}"]})
        changed = sorted(name for name, value in data.items() if getattr(locked, name) != value)
        for name, value in data.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked.updated_by = user
        locked.save()
        audit_record(action=AuditAction.UPDATE, obj=locked, user=user, organization=locked.organization,
                     changes={"fields": changed})
    return locked


def medical_record_delete(*, instance, user, role: str, expected_version: int | None = None):
    require_medical_role(role)
    model = type(instance)
    with transaction.atomic():
        locked = model.all_objects.select_for_update().get(pk=instance.pk)
        if expected_version is not None and locked.version != int(expected_version):
            raise ConflictError()
        if not locked.is_deleted:
            locked.soft_delete(user=user)
            audit_record(action=AuditAction.DELETE, obj=locked, user=user, organization=locked.organization,
                         changes={"is_deleted": True})
    return locked


def audit_medical_reads(*, workers, user, organization, record: str) -> int:
    """One VIEW row per worker whose medical record was read (actor, worker, time; no
    content), written in one query so a listing's cost does not grow with its rows."""
    ctx = get_context()
    worker_type = None
    rows = []
    seen = set()
    for worker in workers:
        if worker.pk in seen:
            continue
        seen.add(worker.pk)
        worker_type = worker_type or ContentType.objects.get_for_model(worker, for_concrete_model=True)
        rows.append(AuditLog(
            organization=organization, user=user, username=user.get_username() if user else "",
            action=AuditAction.VIEW, content_type=worker_type, object_id=str(worker.pk),
            object_repr=str(worker.employee_number)[:255], changes={"medical_record": record},
            ip_address=ctx.ip_address, user_agent=ctx.user_agent, session_id=ctx.session_id,
        ))
    AuditLog.objects.bulk_create(rows)
    return len(rows)
