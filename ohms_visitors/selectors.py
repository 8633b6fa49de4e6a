"""Reads of the visitors add-on: scoped querysets, the gate's facts, the muster list."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from ohms_core import providers, scoping

from . import gates
from .conf import visitors_setting
from .models import AccessLog, NDASignature, ShiftHandover, SiteNDA, VisitorInvite


def window_minutes() -> dict:
    return {"early_minutes": int(visitors_setting("VISITORS_EARLY_CHECK_IN_MINUTES")),
            "late_minutes": int(visitors_setting("VISITORS_LATE_CHECK_IN_MINUTES"))}


def current_nda(site_id) -> SiteNDA | None:
    """The NDA version visitors of the site sign now (None: the site asks no NDA)."""
    return SiteNDA.objects.filter(site_id=site_id, is_current=True).first()


def signed_nda_ids(invite) -> set:
    return set(NDASignature.objects.filter(invite=invite, accepted=True).values_list("nda_id", flat=True))


def check_in_reasons_for(invite, *, now=None) -> list:
    """Every reason ``invite`` may not be checked in now: status, window, NDA, and what other
    add-ons answer through ``ohms_core.providers`` (absent-safe)."""
    nda = current_nda(invite.site_id)
    extra = providers.check_visitor_access(invite, site=invite.site, context={"purpose": "check_in"})
    return list(gates.check_in_reasons(invite, now=now or timezone.now(), current_nda=nda,
                                       signed_nda_ids=signed_nda_ids(invite) if nda else (),
                                       extra=extra, **window_minutes()))


def invite_by_token(token: str, *, organization) -> VisitorInvite | None:
    """The invite of this QR token in the acting organization (None: unknown here, which a
    caller answers as 404, exactly like a token of another organization)."""
    token = (token or "").strip()
    if not token or organization is None:
        return None
    queryset = scoping.scope_queryset(VisitorInvite.objects.select_related("site", "host"), organization=organization)
    return queryset.filter(qr_token=token).first()


def invite_by_token_public(token: str) -> VisitorInvite | None:
    """The public NDA page: the token itself is the credential (256 random bits)."""
    token = (token or "").strip()
    if not token:
        return None
    return VisitorInvite.objects.select_related("site", "organization").filter(qr_token=token).first()


def open_access_log(invite) -> AccessLog | None:
    return AccessLog.objects.filter(invite=invite, check_out_time__isnull=True).order_by("-check_in_time").first()


@dataclass
class OnSite:
    people: list
    by_company: list  # [{"company": str, "count": int}]
    by_access_type: list
    total: int


def on_site(queryset_of_logs, *, site=None) -> OnSite:
    """People on site now (open access-log entries), counts by company and access type: the
    muster list of an evacuation. Three queries whatever the number of people."""
    logs = queryset_of_logs.filter(check_out_time__isnull=True)
    if site is not None:
        logs = logs.filter(site=site)
    people = list(logs.select_related("site", "invite", "invite__host", "guard").order_by("person_company", "person_name"))
    by_company = [{"company": row["person_company"], "count": row["count"]}
                  for row in logs.order_by().values("person_company").annotate(count=Count("id")).order_by("-count", "person_company")]
    by_type = [{"access_type": row["access_type"], "count": row["count"]}
               for row in logs.order_by().values("access_type").annotate(count=Count("id")).order_by("access_type")]
    return OnSite(people=people, by_company=by_company, by_access_type=by_type, total=len(people))


def logs_for(organization):
    return scoping.scope_queryset(AccessLog.objects.all(), organization=organization)


def invites_due_no_show(*, now=None):
    """Invited visitors past their window and its grace (every organization: the job's query)."""
    from datetime import timedelta

    now = now or timezone.now()
    return VisitorInvite.objects.filter(status="invited",
                                        expected_departure__lt=now - timedelta(minutes=window_minutes()["late_minutes"]))


def previous_handover(site_id, *, exclude=None) -> ShiftHandover | None:
    """The site's latest handover (the one the next shift carries open items from)."""
    queryset = ShiftHandover.objects.filter(site_id=site_id)
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude)
    return queryset.order_by("-shift_end", "-created_at").first()


def entry_steps(invite) -> list:
    """What other add-ons ask of the visitor before check-in (e.g. the induction quiz), each
    with its public page: ``ohms_core.providers`` (empty when none is installed)."""
    return providers.visitor_entry_steps(invite, site=invite.site)


def nda_status(invite) -> dict:
    """For the gate screen and the invite page: which NDA, signed or not and when."""
    nda = current_nda(invite.site_id)
    if nda is None:
        return {"required": False, "nda": None, "signature": None}
    signature = NDASignature.objects.filter(invite=invite, nda=nda, accepted=True).first()
    return {"required": True, "nda": nda, "signature": signature}
