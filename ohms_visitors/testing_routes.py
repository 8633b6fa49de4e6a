"""Visitors objects for the cross-tenant route matrix (written straight to the database)."""
from datetime import timedelta

from django.utils import timezone

from ohms_core.models import Site
from ohms_core.testing_routes import register_factory, register_route_model

from .models import AccessLog, NDASignature, ShiftHandover, SiteNDA, VisitorInvite


def _invite(w):
    start = timezone.now() + timedelta(hours=1)
    return VisitorInvite.objects.create(organization=w.org, site=w.get(Site), visitor_name=f"Visiteur {w.seq()}",
                                        visitor_company="Matrix SARL", host=w.admin, expected_arrival=start,
                                        expected_departure=start + timedelta(hours=4))


def _nda(w):
    return SiteNDA.objects.create(organization=w.org, site=w.get(Site), nda_version=w.seq(), title="Accord", body="Texte",
                                  is_current=False)


def _signature(w):
    nda = w.get(SiteNDA)
    return NDASignature.objects.create(organization=w.org, invite=w.get(VisitorInvite), nda=nda, nda_version=nda.nda_version,
                                       signed_name="Visiteur", accepted=True)


def _log(w):
    return AccessLog.objects.create(organization=w.org, site=w.get(Site), access_type="contractor",
                                    person_name=f"Walk-in {w.seq()}", person_company="Matrix SARL",
                                    check_in_time=timezone.now(), guard=w.admin)


def _handover(w):
    end = timezone.now()
    return ShiftHandover.objects.create(organization=w.org, site=w.get(Site), author=w.admin,
                                        shift_start=end - timedelta(hours=8), shift_end=end, notes="RAS",
                                        open_items=["Portail 2"])


register_factory(VisitorInvite, _invite)
register_factory(SiteNDA, _nda)
register_factory(NDASignature, _signature)
register_factory(AccessLog, _log)
register_factory(ShiftHandover, _handover)
register_route_model("ohms_visitors_invite_badge", VisitorInvite)
register_route_model("ohms_visitors_handover_acknowledge", ShiftHandover)
