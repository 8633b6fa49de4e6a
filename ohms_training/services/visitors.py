"""The visitor induction: what this add-on answers the visitors add-on through
``ohms_core.providers`` (the check-in check and the entry step), and the scoring of a
visitor's quiz. Why here and not in the visitors add-on: the quiz, its scoring and the
attempts are training's; visitors only ask "may this invitation be checked in?" and
"what must the visitor still do?", and never import this add-on (nor we theirs).
"""
from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ohms_core.exceptions import BusinessRuleError, ConflictError
from ohms_core.providers import VisitorEntryStep
from ohms_core.services.records import record_create
from ohms_core.workflows import blocked_errors

from .. import gates, selectors
from ..models import SiteVisitorInduction, VisitorInductionAttempt
from .certificates import expiry_for
from .progress import _validate_answers, quiz_score

STEP_CODE = "training.visitor_induction"


def _site_id(invite, site):
    return getattr(site, "pk", None) or getattr(invite, "site_id", None)


def visitor_induction_check(invite, *, site, context=None):
    """Registered visitor access check: the reason naming the module until the visitor passed."""
    requirement = selectors.site_induction_for(_site_id(invite, site))
    if requirement is None or requirement.organization_id != invite.organization_id:
        return []
    status = selectors.visitor_induction_status(invite, requirement)
    return list(gates.visitor_induction_reasons(title=requirement.module.title, **status))


def visitor_induction_url(invite) -> str:
    """The public quiz page of this invitation (its token is the credential)."""
    return reverse("training-visitor-induction") + "?" + urlencode({"token": invite.qr_token})


def visitor_induction_step(invite, *, site):
    """Registered entry step: shown on the visitor's NDA page and the gate screen."""
    requirement = selectors.site_induction_for(_site_id(invite, site))
    if requirement is None or requirement.organization_id != invite.organization_id:
        return None
    status = selectors.visitor_induction_status(invite, requirement)
    reasons = list(gates.visitor_induction_reasons(title=requirement.module.title, **status))
    open_attempts = not status["passed"] and status["used"] < status["allowed"]
    return VisitorEntryStep(
        code=STEP_CODE, title=_("Visitor induction: %(module)s") % {"module": requirement.module.title},
        done=status["passed"], url=visitor_induction_url(invite) if open_attempts else "",
        message=str(reasons[0].message) if reasons and not open_attempts else "")


def visitor_quiz_submit(*, invite, quiz, answers, ip: str | None = None, now=None) -> dict:
    """Score a visitor's answers on the server and record the attempt (pass or fail). Refused
    when the site requires no induction with this quiz, the invitation is closed, the visitor
    already passed, or the quiz's attempts for this invitation are used up.
    Returns {"score", "passed", "attempt", "attempts_left"}."""
    now = now or timezone.now()
    requirement = selectors.site_induction_for(getattr(invite, "site_id", None))
    if (requirement is None or requirement.organization_id != invite.organization_id
            or quiz.module_id not in {m.pk for m in requirement.modules()}):
        raise BusinessRuleError(_("This site requires no induction with this quiz."), code="no_induction",
                                errors={"quiz": [_("This site requires no induction with this quiz.")]})
    if not getattr(invite, "is_open", True):
        raise BusinessRuleError(_("This invitation is closed."), code="invitation_closed")
    _validate_answers(quiz, answers)
    with transaction.atomic():
        # One attempt at a time per site requirement: the attempts limit holds under concurrent submits.
        SiteVisitorInduction.objects.select_for_update().filter(pk=requirement.pk).first()
        status = selectors.visitor_induction_status(invite, requirement, now=now)
        if status["passed"]:
            raise ConflictError(_("You already passed this induction."), code="already_passed")
        reasons = list(gates.visitor_attempts_left_gate(used=status["used"], allowed=quiz.max_attempts))
        if reasons:
            raise BusinessRuleError(reasons[0].message, code=reasons[0].code, errors=blocked_errors(reasons))
        score = quiz_score(quiz, answers)
        passed = score >= Decimal(quiz.module.pass_mark)
        attempt = record_create(model=VisitorInductionAttempt, organization=requirement.organization, user=None, data={
            "invite_id": invite.pk, "requirement": requirement, "quiz": quiz,
            "visitor_name": (invite.visitor_name or "")[:200],
            "visitor_id_number": (getattr(invite, "visitor_id_number", "") or "").strip()[:60],
            "answers": list(answers), "score": score, "passed": passed, "ip": ip or None,
            "valid_until": expiry_for(now, quiz.module.validity_months) if passed else None})
    return {"score": score, "passed": passed, "attempt": attempt,
            "attempts_left": max(quiz.max_attempts - status["used"] - 1, 0)}


def site_induction_set(*, organization, site, module, translated_module=None, user) -> SiteVisitorInduction:
    """Require (or change) the site's visitor induction: the demo and scripts use this."""
    from ohms_core.services.records import record_update

    existing = SiteVisitorInduction.objects.filter(organization=organization, site=site).first()
    data = {"site": site, "module": module, "translated_module": translated_module, "is_active": True}
    if existing is not None:
        return record_update(instance=existing, data=data, user=user)
    return record_create(model=SiteVisitorInduction, organization=organization, user=user, data=data)
