"""People use cases: a worker is created with (or linked to) a contact."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Contact, Worker
from .records import record_create

CONTACT_FIELDS = ("first_name", "last_name", "email", "phone")


def worker_create(*, organization, data: dict, contact_data: dict | None = None, user=None) -> Worker:
    """Create a worker; when no ``contact`` is given, create the contact from ``contact_data``."""
    data = dict(data)
    with transaction.atomic():
        if data.get("contact") is None:
            contact_data = {k: v for k, v in (contact_data or {}).items() if v not in (None,)}
            missing = {
                name: [_("This field is required when no contact is given.")]
                for name in ("first_name", "last_name")
                if not contact_data.get(name)
            }
            if missing:
                raise ValidationError(missing)
            data["contact"] = record_create(model=Contact, organization=organization, data=contact_data, user=user)
        elif data["contact"].organization_id != organization.pk:
            raise ValidationError({"contact": [_("Unknown contact.")]})
        return record_create(model=Worker, organization=organization, data=data, user=user)


def worker_update(*, worker: Worker, data: dict, contact_data: dict | None = None,
                  expected_version: int | None = None, user=None) -> Worker:
    """Update a worker; name, email and phone changes go to its contact (one transaction)."""
    from .records import record_update

    with transaction.atomic():
        updated = record_update(instance=worker, data=data, expected_version=expected_version, user=user)
        contact_data = {k: v for k, v in (contact_data or {}).items() if k in CONTACT_FIELDS}
        if contact_data:
            record_update(instance=updated.contact, data=contact_data, user=user)
            updated.contact.refresh_from_db()
    return updated
