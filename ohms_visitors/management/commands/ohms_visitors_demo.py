"""Demo site access for the demo organization (run by ohms_demo; idempotent): a site NDA in
French, invitations in several states, walk-ins on site, a shift handover waiting for the
incoming guard. Everything through the services. The gate guard is ``gardien@ohms.demo``
(role area in-charge: docs/decisions.md)."""
from __future__ import annotations

import os
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from ohms_core.context import acting_as
from ohms_core.models import Organization, Site
from ohms_core.roles import Role
from ohms_core.services.tenancy import membership_upsert

from ...models import SiteNDA, VisitorInvite
from ...services import gate, handovers, invites

GUARD_EMAIL = "gardien@ohms.demo"
RELIEF_EMAIL = "gardien.nuit@ohms.demo"

NDA_FR = """ACCORD DE CONFIDENTIALITÉ — VISITEURS

1. Le visiteur s'engage à ne divulguer aucune information technique, commerciale ou
   opérationnelle obtenue lors de sa visite du site.
2. Les photographies et enregistrements sont interdits sans l'autorisation écrite de l'hôte.
3. Le visiteur respecte les consignes de sécurité du site (EPI obligatoires, zones
   interdites, accompagnement par l'hôte en permanence).
4. Le présent accord reste en vigueur deux (2) ans après la visite.

En cochant la case et en saisissant son nom, le visiteur accepte le présent accord."""


class Command(BaseCommand):
    help = "Load visitors / site access demo data for the demo organization (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--org", default="SMK")

    def handle(self, *args, **opts):
        organization = Organization.objects.filter(code=opts["org"]).first()
        if organization is None:
            self.stdout.write("Visitors demo: no demo organization; run ohms_demo first.")
            return
        User = get_user_model()
        admin = User.objects.filter(username="admin@ohms.demo").first()
        if SiteNDA.objects.filter(organization=organization).exists():
            self.stdout.write("Visitors demo: already present.")
            return
        password = os.environ.get("OHMS_DEMO_PASSWORD", "ohms-demo-2026")
        with acting_as(user=admin, organization=organization, role=Role.ORG_ADMIN, reason="demo data"):
            guard = self._member(organization, GUARD_EMAIL, "Trésor", "Mbayo", password)
            relief = self._member(organization, RELIEF_EMAIL, "Fiston", "Kayembe", password)
            host = User.objects.filter(username="securite@ohms.demo").first() or admin
            sites = list(Site.objects.filter(organization=organization).order_by("name"))
            site = next((s for s in sites if "Kolwezi" in s.name), sites[0])
            invites.nda_create(organization=organization, user=admin, data={
                "site": site, "title": "Accord de confidentialité visiteurs", "language": "fr", "body": NDA_FR,
                "is_current": True})
            now = timezone.now()

            def invite(name, company, purpose, arrival, hours=6, **extra):
                return invites.invite_create(organization=organization, user=host, data={
                    "site": site, "visitor_name": name, "visitor_company": company, "purpose": purpose,
                    "visitor_id_number": extra.pop("id_number", ""), "expected_arrival": arrival,
                    "expected_departure": arrival + timedelta(hours=hours), "host": host, **extra})

            # Waiting at the gate today: one signed the NDA (ready), one not yet (refused with the reason).
            ready = invite("Amani Kasongo", "Bureau Veritas RDC", "Audit ISO 45001", now - timedelta(minutes=30),
                           id_number="CD-1029384")
            gate.nda_sign(invite=ready, signed_name="Amani Kasongo", accepted=True, ip="127.0.0.1")
            invite("Chloé Lambert", "Glencore Audit", "Visite des installations", now + timedelta(hours=1))
            # On site now (checked in) and one who already left.
            inside = invite("Moïse Kabila Ngoy", "Caterpillar Kolwezi", "Maintenance dumper 793F", now - timedelta(hours=2))
            gate.nda_sign(invite=inside, signed_name="Moïse Kabila Ngoy", accepted=True, ip="127.0.0.1")
            gate.invite_check_in(instance=inside, user=guard)
            left = invite("Sarah Mbuyi", "Ministère des Mines", "Inspection", now - timedelta(hours=3))
            gate.nda_sign(invite=left, signed_name="Sarah Mbuyi", accepted=True, ip="127.0.0.1")
            left = gate.invite_check_in(instance=left, user=guard)
            gate.invite_check_out(instance=left, user=guard)
            # Tomorrow, cancelled, and yesterday's no-show.
            invite("David Tshisekedi", "SGS Lubumbashi", "Prélèvements laboratoire", now + timedelta(days=1))
            cancelled = invite("Julie Ilunga", "Vodacom", "Installation antenne", now + timedelta(days=2))
            from ohms_core.workflows import transition_perform

            transition_perform(instance=cancelled, name="cancel", user=host, comment="Visite reportée")
            invite("Eric Kalala", "Transports Likasi", "Livraison pièces", now - timedelta(days=1))
            gate.invites_mark_no_show()
            # Walk-ins on site: contractors and a delivery.
            for name, company, kind in (("Patrick Mukendi", "Katanga Soudure SARL", "contractor"),
                                        ("Didier Banza", "Katanga Soudure SARL", "contractor"),
                                        ("Joseph Ngoy", "Transports Likasi", "delivery")):
                gate.walk_in_check_in(organization=organization, site=site, access_type=kind, person_name=name,
                                      person_company=company, vehicle="5432-AB/19" if kind == "delivery" else "",
                                      user=guard)
            # Last night's handover, waiting for the day guard's acknowledgement.
            end = now.replace(minute=0, second=0, microsecond=0)
            handovers.handover_create(organization=organization, user=relief, data={
                "site": site, "shift_start": end - timedelta(hours=12), "shift_end": end,
                "notes": "Nuit calme. Ronde de 02h00 effectuée. Livraison d'acide prévue à 10h00.",
                "open_items": ["Barrière du portail 2 en panne (ticket maintenance ouvert)",
                               "Badge perdu signalé par Caterpillar"]})
        count = VisitorInvite.objects.filter(organization=organization).count()
        self.stdout.write(f"Visitors demo: 1 NDA, {count} invitations, 3 walk-ins, 1 handover "
                          f"(gate guard {GUARD_EMAIL}).")

    def _member(self, organization, email, first, last, password):
        User = get_user_model()
        user = User.objects.filter(username=email).first() or User.objects.create_user(
            email, email, password, first_name=first, last_name=last)
        membership_upsert(organization=organization, user=user, role=Role.AREA_INCHARGE)
        return user
