"""Visitors test helpers: a world of one organization with a site, a host, a guard."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from ohms_core import testing
from ohms_core.context import acting_as

from ..models import SiteNDA
from ..services.invites import invite_create, nda_create


@dataclass
class World:
    org: object
    site: object
    admin: object
    host: object
    guard: object

    def client(self, user):
        return testing.token_client(user, self.org)

    def invite(self, *, name="Amani Kasongo", company="Kivu Logistique", arrival=None, hours=4, **extra):
        arrival = arrival or timezone.now() + timedelta(minutes=30)
        with acting_as(user=self.host, organization=self.org, role="permit_requester"):
            return invite_create(organization=self.org, user=self.host, data={
                "site": extra.pop("site", self.site), "visitor_name": name, "visitor_company": company,
                "expected_arrival": arrival, "expected_departure": arrival + timedelta(hours=hours), **extra})

    def nda(self, *, current=True, site=None) -> SiteNDA:
        with acting_as(user=self.admin, organization=self.org, role="org_admin"):
            return nda_create(organization=self.org, user=self.admin, data={
                "site": site or self.site, "title": "Accord de confidentialité", "body": "Je m'engage…",
                "is_current": current})


def make_world(code=None) -> World:
    org = testing.make_organization(code)
    return World(org=org, site=testing.make_site(org, name="Kamoto"), admin=testing.make_member(org, "org_admin"),
                 host=testing.make_member(org, "permit_requester"), guard=testing.make_member(org, "area_incharge"))
