"""The visitor induction page: no login, the invitation's token (found through
``ohms_core.providers.visit_by_token``, the visitors add-on's lookup) is the credential.
The visitor reaches it from their NDA page, or the guard opens it on the gate tablet.
The questions are served without their answers; the answers are scored on the server.
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ohms_core import providers
from ohms_core.exceptions import ConflictError, OhmsError

from .. import selectors
from ..services import visitor_quiz_submit


def _answers(request, count: int):
    """The choice index of each question (``q0``, ``q1``...); None for a question left blank."""
    answers = []
    for number in range(count):
        raw = request.POST.get(f"q{number}", "")
        answers.append(int(raw) if raw.isdigit() and len(raw) < 4 else None)
    return answers


def _client_ip(request):
    return request.META.get("REMOTE_ADDR") or None


@never_cache
@require_http_methods(["GET", "POST"])
def visitor_induction_page(request):
    """``?token=`` (and ``lang=fr|en`` to pick the module's language when the site offers both)."""
    invite = providers.visit_by_token(request.GET.get("token", ""))
    if invite is None:
        raise Http404(_("This link is not valid."))
    requirement = selectors.site_induction_for(invite.site_id)
    if requirement is not None and requirement.organization_id != invite.organization_id:
        requirement = None
    context = {"invite": invite, "requirement": requirement, "errors": [], "result": None, "token": invite.qr_token}
    code = 200
    language = request.GET.get("lang", "")
    if language not in dict(settings.LANGUAGES):  # only the site's languages (user input)
        language = (translation.get_language() or "")[:2]
    if requirement is not None:
        module, quiz = selectors.induction_quiz_for_language(requirement, language)
        status = selectors.visitor_induction_status(invite, requirement)
        if request.method == "POST" and quiz is not None:
            answers = _answers(request, len(quiz.questions or []))
            try:
                if None in answers:
                    raise ValidationError({"answers": [_("Answer every question.")]})
                context["result"] = visitor_quiz_submit(invite=invite, quiz=quiz, answers=answers,
                                                        ip=_client_ip(request))
            except OhmsError as exc:
                reasons = exc.errors.get("reasons") if isinstance(exc.errors, dict) else None
                context["errors"] = [r["message"] for r in reasons] if reasons else [exc.message]
                code = 409 if isinstance(exc, ConflictError) else 400
            except ValidationError as exc:
                context["errors"] = [str(m) for m in exc.messages]
                code = 400
            status = selectors.visitor_induction_status(invite, requirement)
        context.update(module=module, quiz=quiz, status=status,
                       questions=quiz.questions_for_taker() if quiz is not None else [],
                       attempts_left=max(status["allowed"] - status["used"], 0),
                       languages=[(m.language, translation.get_language_info(m.language)["name_local"])
                                  for m in requirement.modules()
                                  if m.language != module.language])
        language = module.language
    with translation.override(language or None):
        response = render(request, "ohms_training/visitor_induction.html", context, status=code)
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "same-origin"
    return response
