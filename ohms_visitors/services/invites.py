"""Invitations and site NDAs."""
from __future__ import annotations

from django.db import transaction

from ohms_core import events
from ohms_core.services.records import record_create, record_update

from ..models import SiteNDA, VisitorInvite


def invite_create(*, organization, data: dict, user) -> VisitorInvite:
    """Create the invitation; its ``created`` event sends the badge (``notifications``)."""
    data = dict(data)
    data.setdefault("host", user)
    with transaction.atomic():
        invite = record_create(model=VisitorInvite, organization=organization, data=data, user=user)
        events.emit("visitors.invite.created", invite, actor=user, data={"site": str(invite.site_id)})
    return invite


def nda_create(*, organization, data: dict, user) -> SiteNDA:
    """A new NDA version; made current, it replaces the site's previous current one."""
    data = dict(data)
    make_current = bool(data.pop("is_current", False))
    with transaction.atomic():
        if not data.get("nda_version"):
            latest = SiteNDA.all_objects.filter(organization=organization, site=data["site"]).order_by("-nda_version").first()
            data["nda_version"] = (latest.nda_version + 1) if latest else 1
        nda = record_create(model=SiteNDA, organization=organization, data=data, user=user)
        if make_current:
            nda = nda_make_current(nda=nda, user=user)
    return nda


def nda_make_current(*, nda: SiteNDA, user) -> SiteNDA:
    """Only one current NDA per site: the previous one stops being current."""
    with transaction.atomic():
        for previous in SiteNDA.objects.select_for_update().filter(site_id=nda.site_id, is_current=True).exclude(pk=nda.pk):
            record_update(instance=previous, data={"is_current": False}, user=user)
        nda = record_update(instance=nda, data={"is_current": True}, user=user)
    return nda
