"""Check-in and check-out at the gate (invites by token, and walk-ins), NDA signing,
no-shows. Every path (REST, admin gate screen, generic transition URL, job) calls these."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core import events, permissions
from ohms_core.context import get_context
from ohms_core.exceptions import BusinessRuleError, ConflictError, NotAllowedError
from ohms_core.services.records import record_create
from ohms_core.workflows import blocked_errors, transition_run

from .. import gates, selectors
from ..models import AccessLog, NDASignature, VisitorInvite
from ..states import AccessType


def _refuse(reasons, message):
    raise BusinessRuleError(message, code="check_in_refused", errors=blocked_errors(list(reasons)))


def invite_check_in(*, instance: VisitorInvite, user, comment: str = "", expected_version=None, now=None) -> VisitorInvite:
    """Check the visitor in: every gate reason first (status, window, NDA, other add-ons),
    then the transition, and an access-log entry opened in the same transaction."""
    now = now or timezone.now()
    reasons = selectors.check_in_reasons_for(instance, now=now)
    if reasons:
        _refuse(reasons, _("Check-in refused: %(reason)s") % {"reason": reasons[0].message})

    def open_log(invite):
        AccessLog.objects.create(
            organization_id=invite.organization_id, site_id=invite.site_id, invite=invite,
            access_type=invite.access_type, person_name=invite.visitor_name, person_company=invite.visitor_company,
            check_in_time=invite.checked_in_at or now, guard=user if getattr(user, "is_authenticated", False) else None)

    return transition_run(instance=instance, name="check_in", user=user, comment=comment,
                          expected_version=expected_version, after_save=open_log,
                          event_data={"site": str(instance.site_id)})


def invite_check_out(*, instance: VisitorInvite, user, comment: str = "", expected_version=None) -> VisitorInvite:
    """Check the visitor out and close their open access-log entry."""
    reasons = list(gates.check_out_reasons(instance))
    if reasons:
        raise BusinessRuleError(_("Check-out refused: %(reason)s") % {"reason": reasons[0].message},
                                code="check_out_refused", errors=blocked_errors(reasons))

    def close_log(invite):
        log = AccessLog.objects.select_for_update().filter(invite=invite, check_out_time__isnull=True).first()
        if log is not None:
            _close(log, user=user, when=invite.checked_out_at)

    return transition_run(instance=instance, name="check_out", user=user, comment=comment,
                          expected_version=expected_version, after_save=close_log)


def _close(log: AccessLog, *, user, when=None):
    log.check_out_time = when or timezone.now()
    log.checked_out_by = user if getattr(user, "is_authenticated", False) else None
    log._change_reason = "check_out"
    log.save()


def transition_services() -> dict:
    return {"check_in": invite_check_in, "check_out": invite_check_out}


def _require_guard(user):
    ctx = get_context()
    decision = permissions.check(user=user, role=ctx.role, resource="accesslog", action=permissions.ADD)
    if not decision:
        raise NotAllowedError(decision.reason)


def walk_in_check_in(*, organization, site, access_type: str, person_name: str, person_company: str = "",
                     vehicle: str = "", notes: str = "", user) -> AccessLog:
    """A contractor, a delivery or an employee without an invitation, logged at the gate."""
    _require_guard(user)
    if access_type == AccessType.VISITOR:
        raise BusinessRuleError(_("A visitor needs an invitation; log contractors, deliveries and employees here."),
                                errors={"access_type": [_("A visitor needs an invitation.")]})
    with transaction.atomic():
        log = record_create(model=AccessLog, organization=organization, user=user, data={
            "site": site, "access_type": access_type, "person_name": person_name.strip(),
            "person_company": person_company.strip(), "vehicle": vehicle.strip(), "notes": notes.strip(),
            "check_in_time": timezone.now(), "guard": user})
        events.emit("visitors.access.walk_in", log, actor=user, data={"site": str(site.pk), "access_type": access_type})
    return log


def access_log_check_out(*, log: AccessLog, user) -> AccessLog:
    """Close a walk-in's entry (an invited visitor checks out through the invite)."""
    _require_guard(user)
    if log.invite_id is not None:
        return invite_check_out(instance=log.invite, user=user).access_logs.order_by("-check_in_time").first()
    with transaction.atomic():
        locked = AccessLog.objects.select_for_update().get(pk=log.pk)
        if locked.check_out_time is not None:
            raise ConflictError(_("This person has already left the site."), code="already_checked_out")
        _close(locked, user=user)
    return locked


def nda_sign(*, invite: VisitorInvite, signed_name: str, accepted: bool, ip: str | None = None, user=None) -> NDASignature:
    """Record the visitor's acceptance of the site's current NDA (typed name, time, IP).
    Signing the same version again returns the first signature."""
    nda = selectors.current_nda(invite.site_id)
    reasons = list(gates.nda_sign_reasons(invite, nda=nda, accepted=accepted, signed_name=signed_name))
    if reasons:
        errors = blocked_errors(reasons)
        for reason in reasons:
            field = {"not_accepted": "accepted", "name_missing": "signed_name"}.get(reason.code)
            if field:
                errors[field] = [str(reason.message)]
        raise BusinessRuleError(reasons[0].message, code="nda_refused", errors=errors)
    with transaction.atomic():
        existing = NDASignature.objects.filter(invite=invite, nda=nda).first()
        if existing is not None:
            return existing
        signature = record_create(model=NDASignature, organization=invite.organization,
                                  user=user if getattr(user, "is_authenticated", False) else None,
                                  data={"invite": invite, "nda": nda, "nda_version": nda.nda_version,
                                        "signed_name": signed_name.strip()[:200], "accepted": True, "ip": ip or None})
        events.emit("visitors.invite.nda_signed", invite, actor=user, organization=invite.organization,
                    data={"nda": str(nda.pk), "nda_version": nda.nda_version})
    return signature


def invites_mark_no_show(*, now=None) -> int:
    """Invited visitors past their window become no-shows (idempotent: a second run finds none)."""
    count = 0
    for invite in selectors.invites_due_no_show(now=now).select_related("organization"):
        try:
            transition_run(instance=invite, name="mark_no_show", user=None, system=True,
                           comment=_("Not checked in within the expected window."))
            count += 1
        except ConflictError:  # checked in meanwhile
            continue
    return count
