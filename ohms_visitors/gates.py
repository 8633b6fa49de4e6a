"""Pure checks of the gate, each yielding ``ohms_core.workflows.Reason``s.

They take the facts they judge as arguments (the site's current NDA, the NDAs the invite
signed, the clock), so they run on in-memory objects; ``selectors.check_in_facts`` loads
the facts for the transition's condition, the gate screen and the REST check-in.
"""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ohms_core.workflows import Reason

from .states import InviteStatus

_STATE_REASONS = {
    InviteStatus.CHECKED_IN: ("already_checked_in", _("This visitor is already checked in.")),
    InviteStatus.CHECKED_OUT: ("already_checked_out", _("This visit is over: the visitor has already checked out.")),
    InviteStatus.CANCELLED: ("cancelled", _("This invitation was cancelled.")),
    InviteStatus.NO_SHOW: ("no_show", _("This invitation expired: the visitor did not come in the expected window.")),
}


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def check_in_window(invite, *, early_minutes: int, late_minutes: int):
    """(earliest, latest) moments the invite may be checked in."""
    return (invite.expected_arrival - timedelta(minutes=early_minutes),
            invite.expected_departure + timedelta(minutes=late_minutes))


def check_in_reasons(invite, *, now, current_nda, signed_nda_ids, early_minutes: int, late_minutes: int,
                     extra=()):
    """Why ``invite`` may not be checked in at ``now`` (nothing when it may)."""
    state = _STATE_REASONS.get(invite.status)
    if state is not None:
        yield Reason(state[0], state[1], gate="status")
        return
    earliest, latest = check_in_window(invite, early_minutes=early_minutes, late_minutes=late_minutes)
    if now < earliest:
        yield Reason("too_early", _("Too early: check-in opens at %(when)s.") % {"when": _local(earliest)},
                     gate="window")
    elif now > latest:
        yield Reason("window_passed", _("The visit window closed at %(when)s.") % {"when": _local(latest)},
                     gate="window")
    if current_nda is not None and current_nda.pk not in set(signed_nda_ids):
        yield Reason("nda_not_signed", _("The visitor has not signed the site's current NDA (%(nda)s).")
                     % {"nda": f"{current_nda.title} v{current_nda.nda_version}"}, gate="nda", items=(current_nda.title,))
    yield from extra


def check_out_reasons(invite):
    if invite.status != InviteStatus.CHECKED_IN:
        yield Reason("not_checked_in", _("This visitor is not checked in."), gate="status")


def no_show_due(invite, *, now, late_minutes: int) -> bool:
    """An invited visitor whose window (with the grace) is over did not come."""
    return invite.status == InviteStatus.INVITED and now > invite.expected_departure + timedelta(minutes=late_minutes)


def nda_sign_reasons(invite, *, nda, accepted: bool, signed_name: str):
    if nda is None:
        yield Reason("no_nda", _("This site has no current NDA to sign."))
        return
    if invite.status not in (InviteStatus.INVITED, InviteStatus.CHECKED_IN):
        yield Reason("closed", _("This invitation is closed."))
    if not accepted:
        yield Reason("not_accepted", _("Tick the box to accept the NDA."))
    if not (signed_name or "").strip():
        yield Reason("name_missing", _("Type your full name to sign."))


def handover_acknowledge_reasons(handover, *, user):
    if handover.acknowledged_at is not None:
        yield Reason("already_acknowledged", _("This handover was already acknowledged."))
    elif user is not None and handover.author_id == user.pk:
        yield Reason("own_handover", _("The incoming person acknowledges the handover, not its author."))
