"""Reads: scoped querysets used by the API and the admin alike."""
from __future__ import annotations

from django.db.models import Q

from .models import Membership, Organization
from .permissions import DOCUMENT_PRIVACY_READERS


def documents_visible(queryset, *, user, role: str):
    """Documents a role may see: by privacy level, plus those the user uploaded."""
    if user is not None and user.is_superuser:
        return queryset
    levels = [level for level, roles in DOCUMENT_PRIVACY_READERS.items() if role in roles]
    return queryset.filter(Q(privacy_level__in=levels) | Q(created_by=user))


def organizations_of(user):
    if user.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(
        pk__in=Membership.objects.filter(user=user, is_active=True).values("organization_id")
    )

