"""Which organization a request acts for, and with which role.

The answer is explicit, never guessed: an API token carries its organization; otherwise
the ``X-OHMS-Organization`` header (organization id or short code) or, in the admin,
the organization chosen in the session. A user with exactly one membership acts for it.
A user with several memberships and no explicit choice acts for none (lists are empty,
writes are refused with a message saying to choose).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from .models import Membership, Organization
from .roles import role_capped

SESSION_KEY = "ohms_organization_id"


@dataclass(frozen=True)
class Tenancy:
    organization: Organization | None = None
    membership: Membership | None = None
    role: str = ""
    error: str = ""


def _find_organization(hint: str):
    hint = (hint or "").strip()
    if not hint:
        return None
    try:
        return Organization.objects.filter(pk=uuid.UUID(hint)).first()
    except ValueError:
        return Organization.objects.filter(code__iexact=hint).first()


def active_memberships(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user, is_active=True, organization__is_active=True, organization__is_deleted=False)
        .select_related("organization")
    )


def resolve_tenancy(user, *, hint: str = "", token=None) -> Tenancy:
    from django.utils.translation import gettext as _

    if user is None or not getattr(user, "is_authenticated", False):
        return Tenancy()
    if token is not None:
        membership = active_memberships(user).filter(organization_id=token.organization_id).first()
        if membership is None:
            return Tenancy(error=_("The token's user is no longer a member of its organization."))
        # The membership may have changed since the token was made: never act above it.
        return Tenancy(token.organization, membership, role_capped(token.role, membership.role))
    if hint:
        organization = _find_organization(hint)
        if organization is None:
            return Tenancy(error=_("Unknown organization “%(hint)s”.") % {"hint": hint})
        membership = active_memberships(user).filter(organization=organization).first()
        if membership is not None:
            return Tenancy(organization, membership, membership.role)
        if user.is_superuser:
            return Tenancy(organization, None, "")
        return Tenancy(error=_("You are not a member of this organization."))
    memberships = list(active_memberships(user)[:2])
    if len(memberships) == 1:
        return Tenancy(memberships[0].organization, memberships[0], memberships[0].role)
    if memberships:
        return Tenancy(error=_("You belong to several organizations: say which one with the X-OHMS-Organization header."))
    return Tenancy(error=_("You are not a member of any organization."))
